# PiCIE as published, for GPUs: ResNet-18 (ImageNet, torchvision://, needs internet once) + PiCIE's FPN decoder,
# COCO-Stuff-27 (PiCIE's curated 49,629 train / 2,175 val images, 182 -> 27 classes), K = 27, base images 640 px
# (short side, centre crop), views 320 px, batch 128 per step (8 GPUs x 16), Adam 1e-4, 10 epochs.
#   bash tools/dist_train.sh configs/picie/picie_r18-fpn_cocostuff27.py 8
# Data at data/cocostuff (COCOSTUFF_ROOT): images/{train,val}2017/*.jpg, annotations/{train,val}2017/*.png
# (stuffthingmaps_trainval2017), curated/{train,val}2017/Coco164kFull_Stuff_Coarse_7.txt from janghyuncho/PiCIE.
# Loss variants: see picie_mnv2-fpn_camvid_{focal,ibfocal}.py (change loss_decode / custom_hooks alike).
_base_ = './_base_/picie_mnv2-fpn_camvid.py'

data_root = '{{$COCOSTUFF_ROOT:data/cocostuff/}}'
num_clusters = 27
view_size = (320, 320)

model = dict(
    data_preprocessor=dict(size=(640, 640)),
    backbone=dict(_delete_=True, type='mmdet.ResNet', depth=18, out_indices=(0, 1, 2, 3), norm_eval=False,
                  frozen_stages=-1, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]),
    num_clusters=num_clusters,
    view_size=view_size,
    test_cfg=dict(pred_shape='img_shape'))  # the label is cropped with the image: score at the crop

train_pipeline = [  # PiCIE's base transform: short side 640, centre crop 640; no labels
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
dataset = dict(type='libra_plugin.CocoStuff27Dataset', data_root=data_root)
train_dataloader = dict(
    batch_size=16, num_workers=4,
    dataset=dict(_delete_=True, **dataset, ann_file='curated/train2017/Coco164kFull_Stuff_Coarse_7.txt',
                 data_prefix=dict(img_path='images/train2017', seg_map_path='annotations/train2017'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=4,
    dataset=dict(_delete_=True, **dataset, ann_file='curated/val2017/Coco164kFull_Stuff_Coarse_7.txt',
                 data_prefix=dict(img_path='images/val2017', seg_map_path='annotations/val2017'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    num_clusters=num_clusters, legacy_split=12,
    class_groups=dict(
        _delete_=True,
        Thing=['electronic', 'appliance', 'food-things', 'furniture-things', 'indoor', 'kitchen', 'accessory',
               'animal', 'outdoor', 'person', 'sports', 'vehicle'],
        Stuff=['ceiling', 'floor', 'food-stuff', 'furniture-stuff', 'rawmaterial', 'textile', 'wall', 'window',
               'building', 'ground', 'plant', 'sky', 'solid', 'structural', 'water']))
test_evaluator = val_evaluator
custom_hooks = [dict(type='libra_plugin.PiCIEClusterHook', batch_size=32, init_batches=20)]
train_cfg = dict(max_epochs=10, val_interval=1)
