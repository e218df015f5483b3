# The ablation's Faster R-CNN baseline: mmdet's Faster R-CNN FPN on the ImageNet MobileNetV2 (no download, trained
# at a tenth of the heads' rate), aquarium at 384 x 288, 64 FPN channels, proposal and RoI counts for 384-px images
# (500 proposals, 64 sampled RoIs per image), 1000 AdamW iterations: about 10 CPU minutes per run. The Libra
# variants differ from it only in their parts:
#   python -m libra_plugin run ablation_aquarium_test
_base_ = ['mmdet::_base_/models/faster-rcnn_r50_fpn.py', './_base_/mnv2_aquarium_cpu.py']

rois_per_img = 64
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone={{_base_.mnv2_backbone}},  # ImageNet, every stage trained
    neck=dict(in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}),
    rpn_head=dict(in_channels={{_base_.fpn_channels}}, feat_channels={{_base_.fpn_channels}},
                  anchor_generator=dict(scales=[4])),  # 16-256 px anchors: a quarter of the boxes are < 17 px here
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels={{_base_.fpn_channels}}, roi_layer=dict(sampling_ratio=2)),
        bbox_head=dict(in_channels={{_base_.fpn_channels}}, fc_out_channels=256, num_classes=7)),
    # 384-px images (a tenth of 1333 x 800's area): a quarter of mmdet's 2000 / 1000 proposals and an eighth of its
    # 512 RoIs (docs/speed.md)
    train_cfg=dict(rpn_proposal=dict(nms_pre=500, max_per_img=250), rcnn=dict(sampler=dict(num=rois_per_img))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))
