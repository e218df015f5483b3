# + instance-balanced positives only: the R-CNN sampler's positives spread evenly over the ground-truth boxes, its
# negatives at random (mmdet's RandomSampler) and the baseline's RPN; one of the three changes of
# faster-rcnn_mnv2-fpn_iou-balanced.py.
_base_ = './faster-rcnn_mnv2_fpn_iou-balanced_1k_aquarium.py'

model = dict(train_cfg=dict(rpn=dict(sampler=dict(neg_pos_ub=-1)),  # the baseline's RPN sampler
                            rcnn=dict(sampler=dict(neg_sampler=dict(_delete_=True, type='RandomSampler')))))
