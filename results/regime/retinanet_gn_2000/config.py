# Regime exploration on aquarium val, seed 0, validated every 500 iterations (coco_benchmark --val-interval 500):
# the GroupNorm-head RetinaNet trained 2000 iterations (decay at 1500 / 1800), which became the shipped
# configs/ablation/retinanet_mnv2-fpn.py (that file differs only in saving a checkpoint every 1000 iterations, not
# 500). run.json holds the whole config as it ran.
_base_ = '../../../../configs/ablation/retinanet_mnv2-fpn.py'
default_hooks = dict(checkpoint=dict(interval=500))
