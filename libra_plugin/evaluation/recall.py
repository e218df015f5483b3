"""Proposal recall for ``metric='proposal_fast'`` that works under numpy >= 1.24.

mmdet's ``eval_recalls`` gathers the per-image IoU matrices with ``np.array(list)``; their shapes differ from image
to image, which numpy >= 1.24 refuses ("inhomogeneous shape"), so every ``proposal_fast`` evaluation (mmdet's RPN
configs) fails. Here they go into an object array; the matching and the summary are mmdet's.
"""
from typing import Optional, Sequence, Union

import numpy as np
from mmdet.evaluation.functional import bbox_overlaps
from mmdet.evaluation.functional.recall import _recalls, print_recall_summary, set_recall_param


def eval_recalls(gts: Sequence[np.ndarray], proposals: Sequence[np.ndarray],
                 proposal_nums: Union[int, Sequence[int], None] = None, iou_thrs: Union[float, Sequence[float]] = 0.5,
                 logger: Optional[object] = None, use_legacy_coordinate: bool = False) -> np.ndarray:
    """Recalls (len(proposal_nums), len(iou_thrs)) of the top proposals of each image, as mmdet's function."""
    if len(gts) != len(proposals):
        raise ValueError(f'gts and proposals must have one entry per image, got {len(gts)} and {len(proposals)}')
    proposal_nums, iou_thrs = set_recall_param(proposal_nums, iou_thrs)
    all_ious = np.empty(len(gts), dtype=object)
    for i, (gt, props) in enumerate(zip(gts, proposals)):
        if props.ndim == 2 and props.shape[1] == 5:
            props = props[np.argsort(props[:, 4])[::-1]]
        if gt is None or gt.shape[0] == 0:
            all_ious[i] = np.zeros((0, props.shape[0]), dtype=np.float32)
        else:
            all_ious[i] = bbox_overlaps(gt, props[:proposal_nums[-1], :4],
                                        use_legacy_coordinate=use_legacy_coordinate)
    recalls = _recalls(all_ious, proposal_nums, iou_thrs)
    print_recall_summary(recalls, proposal_nums, iou_thrs, logger=logger)
    return recalls
