from .camvid import CAMVID_CLASSES, CamVidDataset
from .class_counts import count_box_classes, count_classes, inverse_frequency_weights
from .coco_stuff27 import COARSE_CLASSES, CocoStuff27Dataset
from .shapes import SHAPE_CLASSES, make_shapes_coco

__all__ = [
    'CAMVID_CLASSES', 'CamVidDataset', 'COARSE_CLASSES', 'CocoStuff27Dataset', 'count_box_classes', 'count_classes',
    'inverse_frequency_weights', 'SHAPE_CLASSES', 'make_shapes_coco'
]
