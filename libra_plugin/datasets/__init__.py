from .shapes import SHAPE_CLASSES, make_shapes_coco

__all__ = ['SHAPE_CLASSES', 'make_shapes_coco']
