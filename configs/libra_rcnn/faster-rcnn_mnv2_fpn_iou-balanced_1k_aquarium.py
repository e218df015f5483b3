# + IoU-balanced negative sampling (with instance-balanced positives), as Libra Faster R-CNN's R-CNN sampler.
_base_ = './faster-rcnn_mnv2_fpn_1k_aquarium.py'

model = dict(
    train_cfg=dict(
        rpn=dict(sampler=dict(neg_pos_ub=5)),
        rcnn=dict(
            sampler=dict(
                _delete_=True, type='CombinedSampler', num={{_base_.rois_per_img}}, pos_fraction=0.25,
                add_gt_as_proposals=True,
                pos_sampler=dict(type='libra_plugin.InstanceBalancedPosSampler'),
                neg_sampler=dict(type='libra_plugin.IoUBalancedNegSampler', floor_thr=-1, floor_fraction=0,
                                 num_bins=3)))))
