# Full-size GPU variant: mmseg's DeepLabV3+ R-50-D8 (ImageNet-pretrained backbone) on CamVid at full resolution
# (480 x 360), 20k iterations of batch 4 per GPU. Data root from CAMVID_ROOT (default data/camvid).
_base_ = 'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-40k_cityscapes-512x1024.py'

data_root = '{{$CAMVID_ROOT:data/camvid/}}'
crop_size = (360, 480)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(480, 360), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(_delete_=True, type='libra_plugin.CamVidDataset', data_root=data_root,
                 data_prefix=dict(img_path='train', seg_map_path='trainannot'), pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(_delete_=True, type='libra_plugin.CamVidDataset', data_root=data_root,
                 data_prefix=dict(img_path='val', seg_map_path='valannot'), pipeline=test_pipeline))
test_dataloader = val_dataloader

max_iters = 20000
train_cfg = dict(max_iters=max_iters, val_interval=2000)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False)]
default_hooks = dict(
    checkpoint=dict(type='libra_plugin.ResumableCheckpointHook', interval=2000, max_keep_ckpts=3))
