# The ablation's RetinaNet baseline: mmdet's RetinaNet FPN (P3-P7) with the ImageNet MobileNetV2, same data and
# schedule as the Faster R-CNN rows.
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './_base_/mnv2_aquarium_cpu.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True, type='MobileNetV2', out_indices=(1, 2, 4, 7), frozen_stages=1, norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2')),  # ImageNet, no download
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}),
    bbox_head=dict(in_channels={{_base_.fpn_channels}}, feat_channels={{_base_.fpn_channels}}, num_classes=7))
optim_wrapper = dict(optimizer=dict(lr=0.005))  # half of Faster R-CNN's, as in mmdet's 1x configs
