# Learning-regime exploration on aquarium val (not shipped): the ablation baseline with the 384-px counts and
# channels-last (docs/benchmarks.md, 1.54x), every backbone stage trained at a tenth of the heads' AdamW rate,
# 1000 iterations (decay at 750 and 900), validated at 500 and 1000.
_base_ = '/work/main/configs/ablation/faster-rcnn_mnv2-fpn.py'

model = dict(
    backbone=dict(frozen_stages=-1),
    train_cfg=dict(rpn_proposal=dict(nms_pre=500, max_per_img=250), rcnn=dict(sampler=dict(num=64))))
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=500)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[750, 900], gamma=0.1),
]
optim_wrapper = dict(paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
default_hooks = dict(checkpoint=dict(interval=500))
custom_hooks = [dict(type='libra_plugin.ChannelsLastHook')]
randomness = dict(seed=0)
