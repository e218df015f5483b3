# Regime exploration on aquarium val, seed 0, validated every 250 iterations (coco_benchmark --val-interval 250):
# the ablation RetinaNet as of commit b54d6f1 (mmdet's head without normalisation, 1000 iterations, decay at
# 750 / 900). run.json holds the whole config as it ran.
_base_ = '../../../../configs/ablation/retinanet_mnv2-fpn.py'  # as of commit b54d6f1
