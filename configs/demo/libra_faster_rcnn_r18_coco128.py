# Libra Faster R-CNN on COCO128 on CPU: the shapes demo model (narrow ResNet-18 from scratch, no download) trained
# on the 96-image split and evaluated on the 32-image split at 320 px. A pipeline check on real COCO images, not
# an accuracy result: 96 images from scratch is far too little data.
#   python tools/train.py configs/demo/libra_faster_rcnn_r18_coco128.py   (COCO128_ROOT: the dataset, default data/coco128/)
_base_ = './libra_faster_rcnn_r18_shapes.py'

data_root = '{{$COCO128_ROOT:data/coco128/}}'

model = dict(
    rpn_head=dict(anchor_generator=dict(scales=[8], ratios=[0.5, 1.0, 2.0])),
    roi_head=dict(bbox_head=dict(num_classes=80)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(320, 320), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(320, 320), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    dataset=dict(_delete_=True, type='CocoDataset', data_root=data_root,
                 ann_file='annotations/instances_train96.json', data_prefix=dict(img='train2017/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=8), pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(_delete_=True, type='CocoDataset', data_root=data_root, test_mode=True,
                 ann_file='annotations/instances_val32.json', data_prefix=dict(img='train2017/'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val32.json')
test_evaluator = val_evaluator
