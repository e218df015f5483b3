# The ablation's RetinaNet baseline: mmdet's RetinaNet FPN (P3-P7) with the ImageNet MobileNetV2, same data and
# schedule as the Faster R-CNN rows.
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './_base_/mnv2_aquarium_cpu.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True, type='MobileNetV2', out_indices=(1, 2, 4, 7), frozen_stages=7, norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2')),  # ImageNet, frozen but conv2
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}),
    bbox_head=dict(in_channels={{_base_.fpn_channels}}, feat_channels={{_base_.fpn_channels}}, num_classes=7,
                   anchor_generator=dict(octave_base_scale=2)))  # 16 px smallest anchors, as the Faster R-CNN rows
