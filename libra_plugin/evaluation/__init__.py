from .faster_coco_metric import FasterCocoMetric, faster_coco_backend

__all__ = ['FasterCocoMetric', 'faster_coco_backend']
