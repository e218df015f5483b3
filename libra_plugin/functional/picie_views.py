"""PiCIE's two views of an image (Cho et al., CVPR 2021), drawn once per image and epoch, in pure torch.

PiCIE (janghyuncho/PiCIE ``data/coco_train_dataset.py``) fixes one random transform per image for each view at
the start of an epoch, so that clustering and training see the same views. Here the parameters are a function of
``(seed, epoch, image index, view)`` (:func:`draw_view`): the clustering hook and the training step draw the same
ones without storing them.

* photometric, per view (invariance): brightness, contrast, saturation ±``jitter`` and hue ±``hue`` (each with
  probability ``p_jitter``, in that order), greyscale (``p_grey``), Gaussian blur σ ∈ ``blur_sigma``
  (``p_blur``). The released code never applies greyscale (it tests ``'gray'`` but is given ``'grey'``); here it is
  applied as its paper describes.
* geometric, shared by the views (equivariance): a crop and a horizontal flip (p 0.5), applied to the image of
  view 1 and to the feature map of view 2 (:func:`crop_flip`, one ``grid_sample`` for the batch, differentiable).
  ``crop='side'`` (the default, PiCIE's ``data/custom_transforms.py:RandomResizedCrop``): each side of the crop is
  the fraction ``s ~ U(crop_scale)`` of the image's side, so the crop keeps the image's aspect (a square on PiCIE's
  square images) and zooms by ``1/s``, up to 2x for ``crop_scale=(0.5, 1)``. ``crop='area'``: torchvision's
  ``RandomResizedCrop`` reading, ``crop_scale`` as the area fraction with the aspect drawn from ``crop_ratio``
  (zoom up to about 1.41x for the same ``crop_scale``).

Images are ``(3, H, W)`` RGB in ``[0, 1]``.
"""
import math
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

DEFAULTS = dict(jitter=0.3, hue=0.1, p_jitter=0.8, p_grey=0.2, blur_sigma=(0.1, 2.0), p_blur=0.5,
                crop='side', crop_scale=(0.5, 1.0), crop_ratio=(3 / 4, 4 / 3), p_flip=0.5)
CROPS = ('side', 'area')


def _generator(seed: int, epoch: int, index: int, stream: int) -> torch.Generator:
    key = ((int(seed) * 1_000_003 + int(epoch)) * 1_000_003 + int(index)) * 7 + stream
    return torch.Generator().manual_seed(key % (2**63 - 1))


def _uniform(g: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * float(torch.rand(1, generator=g))


def draw_view(seed: int, epoch: int, index: int, view: int, **options) -> Dict[str, object]:
    """The photometric parameters of ``view`` (1 or 2) of image ``index`` in ``epoch``: factors (None where not
    applied), ``grey`` and ``sigma``. ``view=0`` gives the geometric ones shared by both views: ``box``
    ``(top, left, height, width)`` as fractions of the image, and ``flip``."""
    o = dict(DEFAULTS, **options)
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f'unknown view options {sorted(unknown)}; allowed: {sorted(DEFAULTS)}')
    if o['crop'] not in CROPS:
        raise ValueError(f"view option crop must be one of {CROPS}, got {o['crop']!r}")
    g = _generator(seed, epoch, index, view)
    if view == 0:
        lo, hi = o['crop_scale']
        if o['crop'] == 'side':  # PiCIE: side fraction s of the image, top-left uniform in the remaining room
            w = h = _uniform(g, lo, hi)
        else:
            r_lo, r_hi = (math.log(x) for x in o['crop_ratio'])
            for _ in range(10):  # torchvision RandomResizedCrop.get_params on a unit square
                area = _uniform(g, lo, hi)
                ratio = math.exp(_uniform(g, r_lo, r_hi))
                w, h = math.sqrt(area * ratio), math.sqrt(area / ratio)
                if w <= 1 and h <= 1:
                    break
            else:
                w = h = 1.0
        top, left = _uniform(g, 0, 1 - h), _uniform(g, 0, 1 - w)
        return dict(box=(top, left, h, w), flip=bool(torch.rand(1, generator=g) < o['p_flip']))
    j, hue = o['jitter'], o['hue']
    out = {}
    for name, lo, hi in (('brightness', 1 - j, 1 + j), ('contrast', 1 - j, 1 + j), ('saturation', 1 - j, 1 + j),
                         ('hue', -hue, hue)):
        apply = bool(torch.rand(1, generator=g) < o['p_jitter'])
        value = _uniform(g, lo, hi)
        out[name] = value if apply else None
    out['grey'] = bool(torch.rand(1, generator=g) < o['p_grey'])
    apply, sigma = bool(torch.rand(1, generator=g) < o['p_blur']), _uniform(g, *o['blur_sigma'])
    out['sigma'] = sigma if apply else None
    return out


def _grey(img: Tensor) -> Tensor:
    return (0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]).unsqueeze(0)


def _rgb_to_hsv(img: Tensor) -> Tensor:
    r, g, b = img
    maxc, _ = img.max(0)
    minc, _ = img.min(0)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / torch.where(eqc, torch.ones_like(maxc), maxc)
    cr_div = torch.where(eqc, torch.ones_like(cr), cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = torch.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return torch.stack((h, s, maxc))


def _hsv_to_rgb(img: Tensor) -> Tensor:
    h, s, v = img
    i = torch.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(torch.int64) % 6
    p, q, t = (v * (1.0 - s)).clamp(0, 1), (v * (1.0 - s * f)).clamp(0, 1), (v * (1.0 - s * (1.0 - f))).clamp(0, 1)
    mask = i.unsqueeze(0) == torch.arange(6, device=i.device).view(-1, 1, 1)
    a1 = torch.stack((v, q, p, p, t, v))
    a2 = torch.stack((t, v, v, q, p, p))
    a3 = torch.stack((p, p, t, v, v, q))
    a4 = torch.stack((a1, a2, a3))
    return torch.einsum('...ijk,...xijk->...xjk', mask.to(img.dtype), a4)


def _blur(img: Tensor, sigma: float) -> Tensor:
    """Separable Gaussian blur, kernel radius ⌈3σ⌉, borders replicated."""
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=img.dtype, device=img.device)
    k = torch.exp(-x ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    out = F.pad(img.unsqueeze(0), (radius, ) * 4, mode='replicate')
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(3, 1, 1, -1), groups=3)
    return F.conv2d(out, k.view(1, 1, -1, 1).expand(3, 1, -1, 1), groups=3)[0]


def photometric(img: Tensor, params: Dict[str, object]) -> Tensor:
    """Apply :func:`draw_view`'s photometric ``params`` to a ``(3, H, W)`` RGB image in ``[0, 1]``."""
    if params['brightness'] is not None:
        img = (img * params['brightness']).clamp(0, 1)
    if params['contrast'] is not None:
        mean = _grey(img).mean()
        img = ((img - mean) * params['contrast'] + mean).clamp(0, 1)
    if params['saturation'] is not None:
        grey = _grey(img)
        img = ((img - grey) * params['saturation'] + grey).clamp(0, 1)
    if params['hue'] is not None:
        hsv = _rgb_to_hsv(img)
        hsv = torch.stack((torch.fmod(hsv[0] + params['hue'] + 1.0, 1.0), hsv[1], hsv[2]))
        img = _hsv_to_rgb(hsv)
    if params['grey']:
        img = _grey(img).expand(3, -1, -1)
    if params['sigma'] is not None:
        img = _blur(img, params['sigma'])
    return img


def crop_flip(x: Tensor, boxes: Sequence[Tuple[float, float, float, float]], flips: Sequence[bool],
              size: Tuple[int, int]) -> Tensor:
    """Crop ``boxes[i]`` (``top, left, height, width`` as fractions) of ``x[i]`` ``(B, C, H, W)``, resize it to
    ``size`` (bilinear) and flip it horizontally where ``flips[i]``; one ``grid_sample`` for the batch.

    Pixel centres are mapped exactly, so a pointwise model commutes with it: ``crop_flip(f(x)) == f(crop_flip(x))``.
    """
    if len(boxes) != x.shape[0] or len(flips) != x.shape[0]:
        raise ValueError(f'one box and one flip per image: {x.shape[0]} images, {len(boxes)} boxes, '
                         f'{len(flips)} flips')
    theta = x.new_zeros(x.shape[0], 2, 3)
    for i, ((top, left, h, w), flip) in enumerate(zip(boxes, flips)):
        theta[i, 0, 0] = -w if flip else w  # output x in [-1, 1] -> input x in the box
        theta[i, 0, 2] = 2 * left + w - 1
        theta[i, 1, 1] = h
        theta[i, 1, 2] = 2 * top + h - 1
    grid = F.affine_grid(theta, [x.shape[0], x.shape[1], *size], align_corners=False)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='border', align_corners=False)
