# + instance-balanced positives only: the R-CNN sampler's positives spread evenly over the ground-truth boxes, its
# negatives at random (mmdet's RandomSampler) and the RPN unchanged; one of the three changes of
# faster-rcnn_mnv2-fpn_iou-balanced.py.
_base_ = './faster-rcnn_mnv2-fpn.py'

model = dict(
    train_cfg=dict(
        rcnn=dict(
            sampler=dict(
                _delete_=True, type='CombinedSampler', num=128, pos_fraction=0.25, add_gt_as_proposals=True,
                pos_sampler=dict(type='libra_plugin.InstanceBalancedPosSampler'),
                neg_sampler=dict(type='RandomSampler')))))
