# The aquarium ablation's Faster R-CNN baseline (configs/libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py) at 2000 iterations.
_base_ = ['./faster-rcnn_mnv2_fpn_1k_aquarium.py', './_base_/schedule_2k.py']

train_cfg = {{_base_.schedule_2k.train_cfg}}
param_scheduler = {{_base_.schedule_2k.param_scheduler}}
default_hooks = {{_base_.schedule_2k.default_hooks}}
