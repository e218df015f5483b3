# Libra Faster R-CNN R-50 FPN 1x (Pang et al., CVPR 2019): mmdet's Faster R-CNN + the plugin's balanced feature
# pyramid, instance-balanced positives, IoU-balanced negatives and Balanced L1. Data at data/coco (mmdet layout).
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'

model = dict(
    neck=[
        dict(type='FPN', in_channels=[256, 512, 1024, 2048], out_channels=256, num_outs=5),
        dict(type='libra_plugin.BFP', in_channels=256, num_levels=5, refine_level=2, refine_type='non_local'),
    ],
    roi_head=dict(
        bbox_head=dict(
            loss_bbox=dict(
                _delete_=True, type='libra_plugin.BalancedL1Loss', alpha=0.5, gamma=1.5, beta=1.0,
                loss_weight=1.0))),
    train_cfg=dict(
        rpn=dict(sampler=dict(neg_pos_ub=5), allowed_border=-1),
        rcnn=dict(
            sampler=dict(
                _delete_=True,
                type='CombinedSampler',
                num=512,
                pos_fraction=0.25,
                add_gt_as_proposals=True,
                pos_sampler=dict(type='libra_plugin.InstanceBalancedPosSampler'),
                neg_sampler=dict(type='libra_plugin.IoUBalancedNegSampler', floor_thr=-1, floor_fraction=0,
                                 num_bins=3)))))

# atomic checkpoint writes and random states saved: an interrupted run resumes exactly
default_hooks = dict(checkpoint=dict(type='libra_plugin.ResumableCheckpointHook'))
