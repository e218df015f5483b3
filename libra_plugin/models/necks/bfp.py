"""Balanced feature pyramid neck (Libra R-CNN §3.2)."""
from typing import Optional, Sequence, Tuple

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from libra_plugin.functional.pyramid import check_levels, integrate_levels, scatter_levels
from libra_plugin.registry import MODELS
from .non_local import NonLocalBlock

REFINE_TYPES = (None, 'conv', 'non_local')


@MODELS.register_module()
class BFP(BaseModule):
    """Balanced Feature Pyramid: integrate all levels, refine, add back to every level (Pang et al., CVPR 2019).

    1. Integrate: every level is resized to the size of ``refine_level`` (max pooling for larger levels,
       nearest interpolation for smaller ones) and the results are averaged.
    2. Refine: ``'non_local'`` (embedded Gaussian, mmcv ``NonLocal2d(C, reduction=1, use_scale=False)``),
       ``'conv'`` (3×3 ``ConvModule``) or ``None``.
    3. Strengthen: the refined map is resized back to each level (nearest up, max pooling down) and added.

    State-dict compatible with mmdet's ``BFP`` (same parameter names and initialisation), and equal to it in
    value and gradient, so mmdet Libra checkpoints load into configs that use this neck. Beyond mmdet's:
    the non-local aggregation uses ``scaled_dot_product_attention`` (no stored ``HW × HW`` matrix), arguments
    are validated, and ``deterministic=True`` avoids ``adaptive_max_pool2d`` whose CUDA backward is not
    deterministic (same values, bit-identical gradients run to run).

    Args:
        in_channels (int): Channels of every input level (all levels share it).
        num_levels (int): Number of input levels, ``>= 2``.
        refine_level (int): Index of the level where features are integrated, in ``[0, num_levels)``.
            Defaults to 2.
        refine_type (str, optional): ``None``, ``'conv'`` or ``'non_local'``. Defaults to None.
        conv_cfg (dict, optional): Convolution config of the refine block. Defaults to None.
        norm_cfg (dict, optional): Normalisation config of the refine block. Defaults to None.
        deterministic (bool): Use only deterministic kernels for the resizing. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialisation, mmdet's default (Xavier uniform on convs, then
            the non-local block's own init).

    Shape:
        - Input: tuple of ``num_levels`` tensors ``(B, in_channels, H_i, W_i)``, largest first.
        - Output: tuple of the same shapes.

    Example:
        >>> import torch
        >>> neck = BFP(in_channels=8, num_levels=3, refine_level=1, refine_type='non_local')
        >>> feats = tuple(torch.rand(1, 8, s, s) for s in (16, 8, 4))
        >>> [tuple(o.shape) for o in neck(feats)]
        [(1, 8, 16, 16), (1, 8, 8, 8), (1, 8, 4, 4)]
    """

    def __init__(self,
                 in_channels: int,
                 num_levels: int,
                 refine_level: int = 2,
                 refine_type: Optional[str] = None,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 deterministic: bool = False,
                 init_cfg: Optional[dict] = dict(type='Xavier', layer='Conv2d', distribution='uniform')) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f'in_channels must be a positive integer, got {in_channels!r}')
        check_levels(num_levels, refine_level)
        if refine_type not in REFINE_TYPES:
            raise ValueError(f'refine_type must be one of {REFINE_TYPES}, got {refine_type!r}')
        self.in_channels = in_channels
        self.num_levels = num_levels
        self.refine_level = refine_level
        self.refine_type = refine_type
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.deterministic = deterministic
        if refine_type == 'conv':
            self.refine = ConvModule(in_channels, in_channels, 3, padding=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        elif refine_type == 'non_local':
            self.refine = NonLocalBlock(in_channels, conv_cfg=conv_cfg, norm_cfg=norm_cfg)

    def _check_inputs(self, inputs: Sequence[Tensor]) -> None:
        if len(inputs) != self.num_levels:
            raise ValueError(f'inputs must hold num_levels={self.num_levels} feature maps, got {len(inputs)}')
        for i, feat in enumerate(inputs):
            if feat.dim() != 4 or feat.shape[1] != self.in_channels:
                raise ValueError(f'inputs[{i}] must have shape (B, in_channels={self.in_channels}, H, W), '
                                 f'got {tuple(feat.shape)}')

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Balance the pyramid ``inputs``; returns a tuple of the same shapes."""
        self._check_inputs(inputs)
        bsf = integrate_levels(inputs, self.refine_level, self.deterministic)
        if self.refine_type is not None:
            bsf = self.refine(bsf)
        return tuple(scatter_levels(bsf, inputs, self.refine_level, self.deterministic))
