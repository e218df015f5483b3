# Libra Faster R-CNN: all three parts (IoU-balanced sampling, balanced feature pyramid, Balanced L1) on the
# baseline, each exactly as in its single-part config.
_base_ = ['./faster-rcnn_mnv2_fpn_iou-balanced_1k_aquarium.py']

model = dict(
    neck=[
        dict(type='FPN', in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}, num_outs=5),
        dict(type='libra_plugin.BFP', in_channels={{_base_.fpn_channels}}, num_levels=5, refine_level=2, refine_type='non_local'),
    ],
    roi_head=dict(bbox_head=dict(loss_bbox=dict(
        _delete_=True, type='libra_plugin.BalancedL1Loss', alpha=0.5, gamma=1.5, beta=1.0, loss_weight=1.0))))
