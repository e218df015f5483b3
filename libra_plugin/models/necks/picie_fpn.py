"""PiCIE's light FPN decoder (janghyuncho/PiCIE ``modules/fpn.py``)."""
from typing import List, Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from libra_plugin.registry import MODELS


@MODELS.register_module()
class PiCIEFPN(BaseModule):
    """1×1 lateral convolutions, then from the coarsest level down: bilinear upsample and add. No 3×3 convolution,
    no normalisation, no activation — PiCIE's decoder; the output is the finest level (stride 4 on a ResNet).

    Args:
        in_channels (Sequence[int]): Channels of the backbone levels, finest first.
        out_channels (int): Channels of the output. Defaults to 128 (PiCIE's with ResNet-18).

    Shape:
        - inputs: one ``(B, in_channels[i], H_i, W_i)`` per level, finest first; output ``(B, out_channels, H_0,
          W_0)``.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: int = 128, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if len(in_channels) < 1:
            raise ValueError('in_channels must name at least one level')
        self.laterals = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in in_channels)
        self.out_channels = out_channels

    def forward(self, inputs: Sequence[Tensor]) -> List[Tensor]:
        if len(inputs) != len(self.laterals):
            raise ValueError(f'PiCIEFPN has {len(self.laterals)} levels, got {len(inputs)} inputs')
        out = self.laterals[-1](inputs[-1])
        for lateral, x in zip(reversed(self.laterals[:-1]), reversed(inputs[:-1])):
            y = lateral(x)
            out = F.interpolate(out, size=y.shape[2:], mode='bilinear', align_corners=False) + y
        return [out]
