# Shared by the CPU ablation configs (everything but the detector): aquarium data at 384 x 288, the learning regime
# chosen on aquarium val (docs/studies/libra_aquarium.md: the whole ImageNet backbone trained at a tenth of the heads' rate,
# 1000 iterations, about 10 minutes per run on 2 CPU cores) and the runtime. `python -m libra_plugin run` points it
# at other COCO-layout data (--data, --coco).
_base_ = 'mmdet::_base_/default_runtime.py'

# the detectors' MobileNetV2 out_indices=(1, 2, 4, 7): these channels at strides 4, 8, 16, 32
backbone_channels = [24, 32, 96, 1280]
# ImageNet MobileNetV2 (libra://, no download), every stage trained (lr_mult 0.1 below), BatchNorm statistics frozen
mnv2_backbone = dict(_delete_=True, type='MobileNetV2', out_indices=(1, 2, 4, 7), frozen_stages=-1, norm_eval=True,
                     init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2'))
fpn_channels = 64  # 256 in the 1x configs; CPU scale

data_root = '{{$AQUARIUM_ROOT:data/aquarium/}}'
metainfo = dict(classes=('fish', 'jellyfish', 'penguin', 'puffin', 'shark', 'starfish', 'stingray'))
img_scale = (384, 288)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True, sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type='CocoDataset', data_root=data_root, metainfo=metainfo, ann_file='annotations/train.json',
                 data_prefix=dict(img='images/'), filter_cfg=dict(filter_empty_gt=True, min_size=4),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoDataset', data_root=data_root, metainfo=metainfo, ann_file='annotations/val.json',
                 data_prefix=dict(img='images/'), test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/val.json', metric='bbox')
test_evaluator = val_evaluator

max_iters = 1000  # 9 epochs of aquarium's 448 training images: 9.9 AP at 500 iterations, 17.9 at 1000 (val, seed 0)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[750, 900], gamma=0.1),
]
# AdamW trains the new neck and heads in a few hundred iterations (SGD 0.01-0.02: AP under 1 % at this length); the
# pretrained backbone moves at a tenth of that rate
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4), clip_grad=dict(max_norm=10),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(type='libra_plugin.ResumableCheckpointHook', by_epoch=False, interval=max_iters // 2,
                    max_keep_ckpts=1))
# The same computation, cheaper on the CPU (docs/speed.md): NHWC convolutions; mmcv's single-threaded RoIAlign
# computed by the plugin's torch one; each backbone conv and its frozen-statistics BatchNorm as one convolution
# (mmengine's efficient_conv_bn_eval)
custom_hooks = [dict(type='libra_plugin.ChannelsLastHook'), dict(type='libra_plugin.TorchRoIAlignHook')]
efficient_conv_bn_eval = ['backbone']
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(enable=False, base_batch_size=4)
