"""Embedded-Gaussian non-local block with mmcv ``NonLocal2d(C, reduction=1, use_scale=False)``'s parameters."""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import constant_init, normal_init
from torch import Tensor

from libra_plugin.functional import embedded_gaussian_attention


class NonLocalBlock(nn.Module):
    """``x + conv_out(softmax(θ(x)ᵀ φ(x)) g(x))`` (Wang et al., CVPR 2018), as used by Libra R-CNN's BFP.

    Submodule names and order (``g``, ``conv_out``, ``theta``, ``phi``, each a ``ConvModule``) and initialisation
    (normal std 0.01, ``conv_out`` zero so the block starts as the identity) are mmcv's ``NonLocal2d``'s, so its
    state dicts and optimizer states load unchanged. The aggregation goes through ``scaled_dot_product_attention``: no ``HW × HW`` affinity
    matrix is kept for the backward pass where a fused kernel exists.

    Args:
        in_channels (int): Channels ``C`` of the input; the embedding keeps ``C`` channels (reduction 1).
        conv_cfg (dict, optional): Convolution config of the four 1×1 convs. Defaults to None (``Conv2d``).
        norm_cfg (dict, optional): Normalisation after ``conv_out``. Defaults to None.

    Shape:
        - Input: ``(B, C, H, W)``.
        - Output: ``(B, C, H, W)``.
    """

    def __init__(self, in_channels: int, conv_cfg: Optional[dict] = None, norm_cfg: Optional[dict] = None) -> None:
        super().__init__()
        self.in_channels = in_channels
        # mmcv's order (g, conv_out, theta, phi): parameters() and so an optimizer's state line up with
        # NonLocal2d's, and an mmdet Libra checkpoint's momentum resumes onto the same tensors
        self.g = ConvModule(in_channels, in_channels, 1, conv_cfg=conv_cfg, act_cfg=None)
        self.conv_out = ConvModule(in_channels, in_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)
        self.theta = ConvModule(in_channels, in_channels, 1, conv_cfg=conv_cfg, act_cfg=None)
        self.phi = ConvModule(in_channels, in_channels, 1, conv_cfg=conv_cfg, act_cfg=None)
        self.init_weights()

    def init_weights(self, std: float = 0.01, zeros_init: bool = True) -> None:
        """mmcv's initialisation: normal(std) embeddings, ``conv_out`` zero (or normal if not ``zeros_init``)."""
        for m in (self.g, self.theta, self.phi):
            normal_init(m.conv, std=std)
        target = self.conv_out.conv if self.conv_out.norm_cfg is None else self.conv_out.norm
        if zeros_init:
            constant_init(target, 0)
        else:
            normal_init(target, std=std)

    def forward(self, x: Tensor) -> Tensor:
        """Refine ``x`` with global context."""
        y = embedded_gaussian_attention(self.theta(x), self.phi(x), self.g(x), scale=1.0)
        return x + self.conv_out(y)
