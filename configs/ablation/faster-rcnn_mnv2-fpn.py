# The ablation's Faster R-CNN baseline: mmdet's Faster R-CNN FPN with the ImageNet MobileNetV2 (no download), on
# aquarium at 384 x 288, narrowed to 64 FPN channels and 128 sampled RoIs per image: a few CPU minutes per run. The Libra variants below differ from it only in their parts:
#   python tools/coco_benchmark.py --groups ablation_faster_rcnn ablation_retinanet --seeds 0 1 2 ...
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py', './_base_/mnv2_aquarium_cpu.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True, type='MobileNetV2', out_indices=(1, 2, 4, 7), frozen_stages=1, norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2')),  # ImageNet, no download
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}),
    rpn_head=dict(in_channels={{_base_.fpn_channels}}, feat_channels={{_base_.fpn_channels}}),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels={{_base_.fpn_channels}}, roi_layer=dict(sampling_ratio=2)),
        bbox_head=dict(in_channels={{_base_.fpn_channels}}, fc_out_channels=256, num_classes=7)),
    train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=500), rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))
