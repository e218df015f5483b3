# PiCIE as published (Cho et al., CVPR 2021; read from janghyuncho/PiCIE), for GPUs: ResNet-18 (ImageNet,
# torchvision://, downloaded once) + PiCIE's FPN decoder (128-d, stride 4), COCO-Stuff-27 (PiCIE's curated 49,629
# train / 2,175 val images, 182 -> 27 classes), K = 27, base images 640 px (short side, centre crop), views 320 px,
# batch 128 per step (8 GPUs x 16), Adam 1e-4, 10 epochs, re-clustered before each; evaluated by the authors'
# protocol (a fresh k-means of the un-augmented training images, Hungarian-matched Acc / mIoU).
#   bash tools/dist_train.sh configs/picie/picie_r18-fpn_cocostuff27.py 8
# Data under data/cocostuff (or COCOSTUFF_ROOT), prepared as docs/reproduce.md says: images/{train,val}2017/*.jpg,
# annotations/{train,val}2017/*.png (stuffthingmaps_trainval2017) and curated/{train,val}2017/*.txt.
# The CPU CamVid configs of this folder are diffs of this one (_base_/picie_mnv2-fpn_camvid.py).
_base_ = 'mmseg::_base_/default_runtime.py'

data_root = '{{$COCOSTUFF_ROOT:data/cocostuff/}}'
num_clusters = 27
view_size = (320, 320)  # (H, W)

model = dict(
    type='libra_plugin.PiCIE',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=None, std=None, bgr_to_rgb=True, size=(640, 640),
                           pad_val=0, seg_pad_val=255),
    backbone=dict(type='mmdet.ResNet', depth=18, out_indices=(0, 1, 2, 3), norm_eval=False, frozen_stages=-1,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(type='libra_plugin.PiCIEFPN', in_channels=[64, 128, 256, 512], out_channels=128),
    num_clusters=num_clusters,
    view_size=view_size,
    loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
    test_cfg=dict(pred_shape='img_shape'))  # the label is cropped with the image: score at the crop

dataset_type = 'libra_plugin.CocoStuff27Dataset'
train_pipeline = [  # PiCIE's base transform: short side 640, centre crop 640; no labels (unsupervised)
    dict(type='LoadImageFromFile'),
    dict(type='ResizeShortestEdge', scale=640, max_size=100000),
    dict(type='mmcv.CenterCrop', crop_size=640),
    dict(type='PackSegInputs', meta_keys=('img_path', 'ori_shape', 'img_shape', 'sample_idx')),
]
test_pipeline = [  # PiCIE's evaluation: short side 320, centre crop 320
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='ResizeShortestEdge', scale=320, max_size=100000),
    dict(type='mmcv.CenterCrop', crop_size=320),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='curated/train2017/Coco164kFull_Stuff_Coarse_7.txt',
                 data_prefix=dict(img_path='images/train2017', seg_map_path='annotations/train2017'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='curated/val2017/Coco164kFull_Stuff_Coarse_7.txt',
                 data_prefix=dict(img_path='images/val2017', seg_map_path='annotations/val2017'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='libra_plugin.UnsupervisedSegMetric', num_clusters=num_clusters, legacy_split=12,
    class_groups=dict(
        Thing=['electronic', 'appliance', 'food-things', 'furniture-things', 'indoor', 'kitchen', 'accessory',
               'animal', 'outdoor', 'person', 'sports', 'vehicle'],
        Stuff=['ceiling', 'floor', 'food-stuff', 'furniture-stuff', 'rawmaterial', 'textile', 'wall', 'window',
               'building', 'ground', 'plant', 'sky', 'solid', 'structural', 'water']))
test_evaluator = val_evaluator

custom_hooks = [dict(type='libra_plugin.PiCIEClusterHook', batch_size=32, init_batches=20)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, weight_decay=0))
param_scheduler = []
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=True),
    checkpoint=dict(type='libra_plugin.ResumableCheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=2),
    visualization=dict(type='SegVisualizationHook', draw=False))
randomness = dict(seed=0)
