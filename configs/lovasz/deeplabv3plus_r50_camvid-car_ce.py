# GPU: DeepLabV3+ R-50, binary CamVid (car vs rest, void ignored), two-class cross-entropy.
_base_ = '../_base_/deeplabv3plus_r50_camvid.py'

model = dict(decode_head=dict(num_classes=2), auxiliary_head=dict(num_classes=2))
train_dataloader = dict(dataset=dict(binary_class='car'))
val_dataloader = dict(dataset=dict(binary_class='car'))
test_dataloader = val_dataloader
