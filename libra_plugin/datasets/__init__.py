from .camvid import CAMVID_CLASSES, CamVidDataset
from .class_counts import count_classes, inverse_frequency_weights
from .shapes import SHAPE_CLASSES, make_shapes_coco

__all__ = [
    'CAMVID_CLASSES', 'CamVidDataset', 'count_classes', 'inverse_frequency_weights', 'SHAPE_CLASSES',
    'make_shapes_coco'
]
