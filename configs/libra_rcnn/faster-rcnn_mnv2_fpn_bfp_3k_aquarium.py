# The baseline + balanced feature pyramid (configs/ablation/faster-rcnn_mnv2-fpn_bfp.py) at 3000 iterations: the longer
# schedule of docs/studies/libra_3k.md.
_base_ = ['../ablation/faster-rcnn_mnv2-fpn_bfp.py', './_base_/schedule_3k.py']

train_cfg = {{_base_.schedule_3k.train_cfg}}
param_scheduler = {{_base_.schedule_3k.param_scheduler}}
default_hooks = {{_base_.schedule_3k.default_hooks}}
