# Regime exploration on aquarium val, seed 0, validated every 250 iterations (coco_benchmark --val-interval 250):
# the ablation RetinaNet as of commit b54d6f1 (mmdet's head, 1000 iterations, decay at 750 / 900) with GroupNorm in
# its head's stacked convs. run.json holds the whole config as it ran.
_base_ = '../../../../configs/ablation/retinanet_mnv2-fpn.py'  # as of commit b54d6f1
model = dict(bbox_head=dict(norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)))
