# Binary CamVid (car vs rest, void ignored), two-class cross-entropy (= BCE on the logit margin): the baseline.
_base_ = '../_base_/fastscnn_cpu.py'

model = dict(decode_head=dict(num_classes=2))
train_dataloader = dict(dataset=dict(binary_class='car'))
val_dataloader = dict(dataset=dict(binary_class='car'))
test_dataloader = val_dataloader
