"""Shared base of the plugin's samplers: mmdet's ``RandomSampler`` plus an optional private generator."""
from typing import Any, Dict, Optional

import torch
from mmdet.models.task_modules.samplers import RandomSampler


class SeededRandomSampler(RandomSampler):
    """``RandomSampler`` whose subclasses can draw from a private, seeded generator per device.

    Args:
        num (int): Number of samples per image.
        pos_fraction (float): Fraction of positives.
        seed (int, optional): Seed of the private generator. Defaults to None: the global torch RNG (seeded by
            mmengine's ``randomness=dict(seed=...)``) is used.
        **kwargs: Passed to ``RandomSampler`` (``neg_pos_ub``, ``add_gt_as_proposals``, ``context``...).
    """

    def __init__(self, num: int, pos_fraction: float, seed: Optional[int] = None, **kwargs: Any) -> None:
        name = type(self).__name__
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            # num=0 samples nothing: the R-CNN head gets no RoI and silently stops training
            raise ValueError(f'{name}: num (samples per image) must be an integer >= 1, got {num!r}')
        if isinstance(pos_fraction, bool) or not isinstance(pos_fraction, (int, float)) or not 0 <= pos_fraction <= 1:
            raise ValueError(f'{name}: pos_fraction must be a number in [0, 1], got {pos_fraction!r}')
        super().__init__(num, pos_fraction, **kwargs)
        self.seed = seed
        self._generators: Dict[torch.device, torch.Generator] = {}

    def generator(self, device: torch.device) -> Optional[torch.Generator]:
        """The private generator for ``device``, or ``None`` (global RNG) when no ``seed`` was given."""
        if self.seed is None:
            return None
        if device not in self._generators:
            self._generators[device] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[device]
