# Libra RetinaNet R-50 FPN 1x: the documented entry point, configs/libra_rcnn/libra-retinanet_r50_fpn_1x_coco.py (which see).
_base_ = './libra_rcnn/libra-retinanet_r50_fpn_1x_coco.py'
