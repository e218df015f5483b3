# Libra Faster R-CNN (all three parts) (configs/libra_rcnn/libra-faster-rcnn_mnv2_fpn_1k_aquarium.py) at 3000 iterations: the longer
# schedule of docs/studies/libra_3k.md.
_base_ = ['./libra-faster-rcnn_mnv2_fpn_1k_aquarium.py', './_base_/schedule_3k.py']

train_cfg = {{_base_.schedule_3k.train_cfg}}
param_scheduler = {{_base_.schedule_3k.param_scheduler}}
default_hooks = {{_base_.schedule_3k.default_hooks}}
