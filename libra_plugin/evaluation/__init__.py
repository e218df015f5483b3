from .faster_coco_metric import FasterCocoMetric, faster_coco_backend
from .unsupervised_seg_metric import UnsupervisedSegMetric

__all__ = ['FasterCocoMetric', 'UnsupervisedSegMetric', 'faster_coco_backend']
