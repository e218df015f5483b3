# Libra Faster R-CNN R-50 FPN 1x: the documented entry point, configs/libra_rcnn/libra-faster-rcnn_r50_fpn_1x_coco.py (which see).
_base_ = './libra_rcnn/libra-faster-rcnn_r50_fpn_1x_coco.py'
