# Regime exploration on aquarium val (not shipped): the ablation RetinaNet with GroupNorm in its head's stacked convs
# (its no-norm head left 8-26 % of the ReLUs alive after 1000 iterations: 2.9 AP on val).
_base_ = '/work/main/configs/ablation/retinanet_mnv2-fpn.py'
model = dict(bbox_head=dict(norm_cfg=dict(type='GN', num_groups=32, requires_grad=True)))
