# + Balanced L1 box loss (alpha 0.5, gamma 1.5, beta 1), as Libra Faster R-CNN.
_base_ = './faster-rcnn_mnv2_fpn_1k_aquarium.py'

model = dict(roi_head=dict(bbox_head=dict(loss_bbox=dict(
    _delete_=True, type='libra_plugin.BalancedL1Loss', alpha=0.5, gamma=1.5, beta=1.0, loss_weight=1.0))))
