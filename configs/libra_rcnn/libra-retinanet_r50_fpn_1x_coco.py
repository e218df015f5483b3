# Libra RetinaNet R-50 FPN 1x: mmdet's RetinaNet + balanced feature pyramid (refine at the first of its levels)
# + Balanced L1 with beta 0.11 (continuous gradient here; mmdet's jumps at |x| = beta, mmdetection#2483).
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

model = dict(
    neck=[
        dict(type='FPN', in_channels=[256, 512, 1024, 2048], out_channels=256, start_level=1,
             add_extra_convs='on_input', num_outs=5),
        dict(type='libra_plugin.BFP', in_channels=256, num_levels=5, refine_level=1, refine_type='non_local'),
    ],
    bbox_head=dict(
        loss_bbox=dict(
            _delete_=True, type='libra_plugin.BalancedL1Loss', alpha=0.5, gamma=1.5, beta=0.11, loss_weight=1.0)))

# atomic checkpoint writes and random states saved: an interrupted run resumes exactly
default_hooks = dict(checkpoint=dict(type='libra_plugin.ResumableCheckpointHook'))
