"""Shared base of the plugin's samplers: mmdet's ``RandomSampler`` plus an optional private generator."""
from typing import Any, Dict, Optional

import torch
from mmdet.models.task_modules.samplers import RandomSampler


# what mmdet passes a sampler besides num and pos_fraction (CombinedSampler forwards them to its two samplers)
MMDET_ARGS = ('neg_pos_ub', 'add_gt_as_proposals', 'context')


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
        unknown = sorted(set(kwargs) - set(MMDET_ARGS))
        if unknown:  # mmdet's samplers swallow any keyword: a misspelt option would be ignored silently
            import difflib
            close = difflib.get_close_matches(unknown[0], self.arguments(), n=1)
            raise TypeError(f'{name}.__init__() got an unexpected keyword argument {unknown[0]!r}'
                            + (f"; did you mean {close[0]!r}?" if close else f'; its arguments: {self.arguments()}'))
        super().__init__(num, pos_fraction, **kwargs)
        self.seed = seed
        self._generators: Dict[torch.device, torch.Generator] = {}

    @classmethod
    def arguments(cls) -> list:
        """The keyword arguments this sampler takes (its own and mmdet's)."""
        import inspect
        own = [p for c in cls.__mro__ if c is not object and '__init__' in c.__dict__
               for p in inspect.signature(c.__init__).parameters if p not in ('self', 'kwargs')]
        return sorted(set(own) | set(MMDET_ARGS))

    def generator(self, device: torch.device) -> Optional[torch.Generator]:
        """The private generator for ``device``, or ``None`` (global RNG) when no ``seed`` was given."""
        if self.seed is None:
            return None
        if device not in self._generators:
            self._generators[device] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[device]
