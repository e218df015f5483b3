# The ablation's RetinaNet baseline: mmdet's RetinaNet FPN (P3-P7) with the ImageNet MobileNetV2, same data and
# schedule as the Faster R-CNN rows.
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './_base_/mnv2_aquarium_cpu.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone={{_base_.mnv2_backbone}},  # ImageNet, every stage trained
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}),
    bbox_head=dict(in_channels={{_base_.fpn_channels}}, feat_channels={{_base_.fpn_channels}}, num_classes=7,
                   anchor_generator=dict(octave_base_scale=2)))  # 16 px smallest anchors, as the Faster R-CNN rows
