"""RoI Align (Mask R-CNN, He et al., ICCV 2017) in pure torch: bilinear samples on a fixed grid per output bin,
averaged, as mmcv's ``RoIAlign(pool_mode='avg', sampling_ratio > 0)``.

mmcv's CPU kernel (mmcv/ops/csrc/pytorch/cpu/roi_align.cpp) loops over the RoIs and channels on one thread; this one
is a gather of the four corners of every sample point and one batched matrix product with their weights, which
torch runs on every intra-op thread, and autograd gives the backward (a scatter-add into the feature map). The
sample points, the border rules and the weights are mmcv's, step for step:

* a RoI ``(x1, y1, x2, y2)`` in image pixels starts at ``x1 · scale − 0.5`` (``aligned=True``; ``− 0`` and a size
  of at least 1 otherwise), each of the ``out_h × out_w`` bins holds ``s × s`` points at the centres of an even
  sub-grid (``s = sampling_ratio``);
* a point more than one pixel outside the map (``y < −1``, ``y > H``, likewise x) contributes 0; otherwise it is
  clamped to ``[0, H − 1]`` and interpolated from its four neighbours;
* a bin is the mean of its ``s²`` points, and the RoI boxes get no gradient (as in mmcv).
"""
from typing import Tuple

import torch
from torch import Tensor


def _axis(start: Tensor, size: Tensor, bins: int, s: int, length: int):
    """Per RoI, bin and sample along one axis: the low and high neighbour index and their weights (zero for a
    point off the map). ``start``/``size``: ``(K,)``; returns four ``(K, bins, s)`` tensors."""
    dtype = start.dtype
    bin_size = size / bins
    b = torch.arange(bins, dtype=dtype, device=start.device).view(1, bins, 1)
    i = torch.arange(s, dtype=dtype, device=start.device).add_(0.5).view(1, 1, s)
    # mmcv's order of operations: start + b · bin + (i + .5) · bin / s
    pos = start.view(-1, 1, 1) + b * bin_size.view(-1, 1, 1) + i * bin_size.view(-1, 1, 1) / s
    inside = (pos >= -1.0) & (pos <= length)
    pos = pos.clamp(min=0)
    low = pos.floor()
    edge = low >= length - 1
    low = torch.where(edge, torch.full_like(low, length - 1), low)
    pos = torch.where(edge, low, pos)
    high = torch.where(edge, low, low + 1)
    frac = pos - low
    keep = inside.to(dtype)
    return low.long(), high.long(), (1 - frac) * keep, frac * keep


def roi_align(features: Tensor,
              rois: Tensor,
              output_size: Tuple[int, int],
              spatial_scale: float = 1.0,
              sampling_ratio: int = 2,
              aligned: bool = True) -> Tensor:
    """Average RoI Align with a fixed sampling grid.

    Args:
        features (Tensor): ``(B, C, H, W)`` feature map (any memory format; channels-last avoids a copy).
        rois (Tensor): ``(K, 5)`` boxes ``(batch index, x1, y1, x2, y2)`` in image pixels.
        output_size (tuple[int, int]): ``(out_h, out_w)`` bins.
        spatial_scale (float): Feature pixels per image pixel (1 / stride). Defaults to 1.
        sampling_ratio (int): ``s``, sample points per bin along each axis, ``> 0``. Defaults to 2.
        aligned (bool): Shift the boxes by half a pixel (mmcv / Detectron2 ``aligned=True``). Defaults to True.

    Returns:
        Tensor: ``(K, C, out_h, out_w)``, in ``features``' dtype.

    Example:
        >>> feat = torch.arange(16.).view(1, 1, 4, 4)
        >>> roi_align(feat, torch.tensor([[0., 0., 0., 4., 4.]]), (1, 1), sampling_ratio=1)  # the map's centre
        tensor([[[[7.5000]]]])
    """
    if features.dim() != 4:
        raise ValueError(f'features must be (B, C, H, W), got shape {tuple(features.shape)}')
    if rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError(f'rois must be (K, 5) rows (batch index, x1, y1, x2, y2), got shape {tuple(rois.shape)}')
    if not (isinstance(sampling_ratio, int) and sampling_ratio > 0):
        raise ValueError(f'sampling_ratio must be an integer > 0 (a fixed grid), got {sampling_ratio!r}')
    out_h, out_w = output_size
    batch, channels, height, width = features.shape
    rois = rois.detach().to(features.dtype)
    offset = 0.5 if aligned else 0.0
    x1, y1, x2, y2 = (rois[:, k] * spatial_scale - offset for k in range(1, 5))
    w, h = x2 - x1, y2 - y1
    if aligned:
        if bool(((w < 0) | (h < 0)).any()):
            raise ValueError('rois must have x2 >= x1 and y2 >= y1')
    else:  # mmcv's legacy mode
        w, h = w.clamp(min=1), h.clamp(min=1)
    s = sampling_ratio
    ylo, yhi, wylo, wyhi = _axis(y1, h, out_h, s, height)  # (K, out_h, s)
    xlo, xhi, wxlo, wxhi = _axis(x1, w, out_w, s, width)  # (K, out_w, s)
    k = rois.shape[0]
    base = rois[:, 0].long().view(k, 1, 1, 1, 1) * (height * width)
    rows = torch.stack([ylo, ylo, yhi, yhi], -1).view(k, out_h, 1, s, 1, 4) * width
    cols = torch.stack([xlo, xhi, xlo, xhi], -1).view(k, 1, out_w, 1, s, 4)
    index = (rows + cols).view(k, out_h, out_w, s * s * 4) + base.view(k, 1, 1, 1)
    weight = (torch.stack([wylo, wylo, wyhi, wyhi], -1).view(k, out_h, 1, s, 1, 4)
              * torch.stack([wxlo, wxhi, wxlo, wxhi], -1).view(k, 1, out_w, 1, s, 4)) / (s * s)
    flat = features.permute(0, 2, 3, 1).reshape(batch * height * width, channels)  # a view when channels-last
    corners = flat.index_select(0, index.view(-1)).view(k * out_h * out_w, s * s * 4, channels)
    out = torch.bmm(weight.reshape(k * out_h * out_w, 1, s * s * 4), corners)  # (K·bins, 1, C)
    return out.view(k, out_h, out_w, channels).permute(0, 3, 1, 2)
