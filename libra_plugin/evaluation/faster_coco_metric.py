"""``FasterCocoMetric``: mmdet's ``CocoMetric`` computed by ``faster-coco-eval`` instead of pycocotools.

Same arguments, same metric names and values as ``CocoMetric`` (tested on the same predictions); the matching and
accumulation run in faster-coco-eval's C++ code. Opt in per config::

    val_evaluator = dict(type='libra_plugin.FasterCocoMetric', ann_file=..., metric='bbox')

``use_mp_eval=True`` keeps mmdet's multi-process pycocotools path. Two numpy-2 failures of ``CocoMetric`` are fixed:
``iou_thrs`` given as a list (its summary calls ``nonzero`` on ``0.5 == [0.5, 0.75]``, a 0-d array) and
``metric='proposal_fast'`` (see :mod:`.recall`).
"""
import contextlib
from typing import Dict, Iterator

import numpy as np

from mmdet.evaluation.metrics import CocoMetric
from mmdet.evaluation.metrics import coco_metric as _mmdet_coco_metric

from ..registry import METRICS
from .recall import eval_recalls

try:
    import faster_coco_eval
except ImportError:  # pragma: no cover - an install without the optional backend
    faster_coco_eval = None


@contextlib.contextmanager
def faster_coco_backend() -> Iterator[None]:
    """Within the block, mmdet's ``CocoMetric`` loads annotations and evaluates with faster-coco-eval (and our
    proposal recall)."""
    if faster_coco_eval is None:
        raise ImportError('FasterCocoMetric needs faster-coco-eval: pip install faster-coco-eval (the fast-eval extra of '
                          'libra_plugin); mmdet\'s CocoMetric computes the same numbers without it')
    names = dict(COCO=faster_coco_eval.COCO, COCOeval=faster_coco_eval.COCOeval_faster, eval_recalls=eval_recalls)
    saved = {name: getattr(_mmdet_coco_metric, name) for name in names}
    for name, value in names.items():
        setattr(_mmdet_coco_metric, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(_mmdet_coco_metric, name, value)


@METRICS.register_module()
class FasterCocoMetric(CocoMetric):
    """COCO detection / instance segmentation / proposal metrics through faster-coco-eval (see module doc)."""

    def __init__(self, *args, **kwargs) -> None:
        with faster_coco_backend():
            super().__init__(*args, **kwargs)
        self.iou_thrs = np.atleast_1d(np.asarray(self.iou_thrs, dtype=np.float64))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        with faster_coco_backend():
            return super().compute_metrics(results)
