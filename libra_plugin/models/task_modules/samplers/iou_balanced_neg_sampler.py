"""IoU-balanced negative sampler (Libra R-CNN §3.1), on the tensors' device and stateless."""
from typing import Any, Optional

import torch
from mmdet.models.task_modules.assigners import AssignResult
from torch import Tensor

from libra_plugin.functional.sampling import check_neg_sample_args, iou_balanced_neg_sample
from libra_plugin.registry import TASK_UTILS
from .base import SeededRandomSampler


@TASK_UTILS.register_module()
class IoUBalancedNegSampler(SeededRandomSampler):
    """IoU-balanced sampling of negatives: equal quotas over IoU bins (Pang et al., CVPR 2019).

    A drop-in for mmdet's ``IoUBalancedNegSampler`` (same arguments, usable as ``neg_sampler`` of a
    ``CombinedSampler``) with three differences:

    * everything runs on the proposals' device, with no ``.cpu()``/``.numpy()``/Python loop: the only
      synchronisation is the ``nonzero`` that finds the negatives;
    * it is stateless: mmdet's sets ``self.floor_thr = 0`` during its first call when built with ``-1``, so it
      equals ours with ``floor_thr=-1`` on that first call only. From then on mmdet's puts the IoU-0 negatives in
      its floor set, of which ``floor_fraction=0`` draws none: in training it never samples an IoU-0 negative
      (ours with ``floor_thr=-1`` draws them by their bin, 27 % of the negatives in the measured run).
      ``floor_thr=0, bin_range='all'`` reproduces mmdet's training-time draws;
    * ``bin_range='negatives'`` (default) spans the bins over the negatives' IoU range. mmdet's (``'all'``)
      spans them up to the largest IoU of any proposal (~1.0, GT boxes are proposals) while negatives stop at
      ``neg_iou_thr``, leaving the upper bins empty (mmdetection#5323).

    Args:
        num (int): Number of samples per image.
        pos_fraction (float): Fraction of positives.
        floor_thr (float): Negatives with IoU below it are sampled at random, ``-1`` disables it. Defaults to -1.
        floor_fraction (float): Fraction of negatives taken below ``floor_thr``, in ``[0, 1]``. Defaults to 0.
        num_bins (int): Number of IoU bins, ``>= 1``. Defaults to 3.
        bin_range (str): ``'negatives'`` or ``'all'`` (mmdet). Defaults to ``'negatives'``.
        seed (int, optional): Seed of a private generator for reproducible draws independent of the global RNG.
            Defaults to None (the global torch RNG, seeded by mmengine's ``randomness``).
        **kwargs: Passed to ``RandomSampler`` (``neg_pos_ub``, ``add_gt_as_proposals``, ``context``...).

    Example:
        >>> sampler = IoUBalancedNegSampler(num=512, pos_fraction=0.25)
    """

    def __init__(self,
                 num: int,
                 pos_fraction: float,
                 floor_thr: float = -1,
                 floor_fraction: float = 0,
                 num_bins: int = 3,
                 bin_range: str = 'negatives',
                 seed: Optional[int] = None,
                 **kwargs: Any) -> None:
        check_neg_sample_args(floor_thr, floor_fraction, num_bins, bin_range)  # at build time
        super().__init__(num, pos_fraction, seed=seed, **kwargs)
        context = kwargs.get('context')
        assigner = getattr(context, 'bbox_assigner', None) or getattr(context, 'assigner', None)
        neg_thr = getattr(assigner, 'neg_iou_thr', None)
        top = max(neg_thr) if isinstance(neg_thr, (tuple, list)) else neg_thr
        if isinstance(top, (int, float)) and floor_thr >= top:
            raise ValueError(f'IoUBalancedNegSampler: floor_thr={floor_thr} is not below the assigner\'s '
                             f'neg_iou_thr={neg_thr}: every negative lies below the floor and would be drawn at '
                             'random (no IoU balancing); choose floor_thr < neg_iou_thr (the paper: -1, i.e. 0)')
        self.floor_thr = floor_thr
        self.floor_fraction = floor_fraction
        self.num_bins = num_bins
        self.bin_range = bin_range

    def _sample_neg(self, assign_result: AssignResult, num_expected: int, **kwargs: Any) -> Tensor:
        """Indices of the sampled negatives (``gt_inds == 0``), at most ``num_expected``."""
        neg_inds = torch.nonzero(assign_result.gt_inds == 0, as_tuple=False).view(-1)
        return iou_balanced_neg_sample(
            assign_result.max_overlaps,
            neg_inds,
            num_expected,
            floor_thr=self.floor_thr,
            floor_fraction=self.floor_fraction,
            num_bins=self.num_bins,
            bin_range=self.bin_range,
            generator=self.generator(neg_inds.device))
