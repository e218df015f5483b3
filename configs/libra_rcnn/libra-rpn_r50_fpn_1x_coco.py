# "Libra RPN" (paper, Table 3): mmdet's RPN R-50 FPN 1x with IoU-balanced negative sampling of the anchors;
# mmdet ships none (mmdetection#2069). Evaluated by proposal recall AR@100/300/1000.
_base_ = 'mmdet::rpn/rpn_r50_fpn_1x_coco.py'

model = dict(
    train_cfg=dict(
        rpn=dict(
            sampler=dict(
                _delete_=True, type='libra_plugin.IoUBalancedNegSampler', num=256, pos_fraction=0.5, neg_pos_ub=-1,
                add_gt_as_proposals=False, floor_thr=-1, floor_fraction=0, num_bins=3))))

# mmdet's CocoMetric fails on 'proposal_fast' under numpy >= 1.24; ours computes the same recalls
val_evaluator = dict(type='libra_plugin.FasterCocoMetric', metric='proposal_fast', proposal_nums=(100, 300, 1000))
test_evaluator = val_evaluator

# atomic checkpoint writes and random states saved: an interrupted run resumes exactly
default_hooks = dict(checkpoint=dict(type='libra_plugin.ResumableCheckpointHook'))
