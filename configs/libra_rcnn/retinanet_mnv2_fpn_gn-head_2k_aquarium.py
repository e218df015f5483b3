# The ablation's RetinaNet baseline: mmdet's RetinaNet FPN (P3-P7) with the ImageNet MobileNetV2, same data as the
# Faster R-CNN rows. Its own regime, chosen on aquarium val (docs/studies/libra_aquarium.md): GroupNorm in the head's stacked
# convs and 2000 iterations (mmdet's head without normalisation: 2.9 AP after 1000; with GroupNorm 6.6 after 1000,
# 12.2 after 2000).
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './_base_/mnv2_aquarium_cpu.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone={{_base_.mnv2_backbone}},  # ImageNet, every stage trained
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}),
    bbox_head=dict(in_channels={{_base_.fpn_channels}}, feat_channels={{_base_.fpn_channels}}, num_classes=7,
                   norm_cfg=dict(type='GN', num_groups=32, requires_grad=True),
                   anchor_generator=dict(octave_base_scale=2)))  # 16 px smallest anchors, as the Faster R-CNN rows

max_iters = 2000  # 18 epochs of aquarium's 448 training images, about 17 minutes a run on 2 CPU cores
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[1500, 1800], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters // 2))
