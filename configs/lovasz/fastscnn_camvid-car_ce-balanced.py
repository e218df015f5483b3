# Binary CamVid (car vs rest), class-weighted cross-entropy: w_c proportional to 1 / n_c, normalised to sum to the
# 2 classes, from the pixels of CamVid train (background 57,193,728, car 3,719,877; void left out), the usual
# answer to the imbalance (a control of fastscnn_camvid-car_lovasz-ce.py; tests/configs/test_seg_configs.py recounts
# them when the data is present). torch's weighted mean, as F.cross_entropy(weight=...): mmseg 1.2.2's
# CrossEntropyLoss(class_weight=...) raises IndexError on label maps with void pixels, SoftmaxFocalLoss at gamma 0
# is the same loss where that works.
_base_ = './fastscnn_camvid-car_ce.py'

model = dict(decode_head=dict(loss_decode=dict(
    _delete_=True, type='libra_plugin.SoftmaxFocalLoss', gamma=0.0, class_weight=[0.1221, 1.8779],
    loss_name='loss_ce')))
