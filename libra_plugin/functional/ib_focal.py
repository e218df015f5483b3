"""Influence-balanced (IB) focal loss (Park et al., ICCV 2021, arXiv:2110.02444), per sample or pixel, pure torch.

For a sample with logits ``x``, label ``y``, penultimate feature ``h`` and class weights ``w``::

    CE_w = w_y · CE(x, y)
    ib   = α / (‖softmax(x) − onehot(y)‖₁ · ‖h‖₁ + ε)          (the inverse of the sample's influence)
    loss = (1 − exp(−CE_w))^γ · CE_w · ib

as in the authors' code (pseulki/IB-Loss): the focal factor is taken of the weighted CE, ``ib`` is not detached.
``‖softmax(x) − onehot(y)‖₁ = 2 (1 − p_y)`` is used in closed form. γ = 0 gives the IB loss; without the influence
term (``feature_norm=None``) it is the class-weighted focal loss, and with γ = 0 too the class-weighted CE.

The gradient is in closed form (one autograd node, as ``F.cross_entropy``): with ``D = 2 (1 − p_y) n + ε`` and
``f' = ∂f/∂CE_w = u^γ + γ u^(γ−1) e^(−CE_w) CE_w`` (``u = 1 − e^(−CE_w)``),

    ∂loss/∂x = (softmax(x) − onehot(y)) · α/D · (w_y f' − 2 f n p_y / D),     ∂loss/∂n = −2 α f (1 − p_y) / D²

so the backward is one pass over the logits, like cross-entropy's, instead of the chain of per-pixel nodes and a
scatter of the gathered log-probabilities.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable


class _IBFocal(torch.autograd.Function):
    """Forward and closed-form backward of :func:`ib_focal` (module doc); per-pixel factors kept from the forward."""

    @staticmethod
    def forward(ctx, logits, labels, feature_norm, alpha, gamma, class_weight, eps):
        x = logits if logits.dtype == torch.float64 else logits.float()
        logp = F.log_softmax(x, dim=1)
        index = labels.unsqueeze(1).long()
        logp_y = logp.gather(1, index).squeeze(1)
        w = None if class_weight is None else class_weight.to(logp.dtype)[labels.long()]
        c = logp_y.neg() if w is None else logp_y.neg().mul_(w)  # CE_w; in-place chains below: few allocations
        if gamma == 0:
            f, dc = c, (torch.ones_like(c) if w is None else w)
        else:
            e = c.neg().exp_()
            u = torch.rsub(e, 1)
            if gamma == 1:
                f = u * c
                df = torch.addcmul(u, e, c)  # u + e c
            else:
                ug = u.pow(gamma)
                f = ug * c
                # γ u^(γ−1) e c, taken as 0 where u = 0 (c = 0: no loss, and the γ < 1 power would be inf · 0)
                df = torch.where(u > 0, u.pow(gamma - 1).mul_(e).mul_(c).mul_(gamma), 0).add_(ug)
            dc = df if w is None else df.mul_(w)
        grad_n = None
        if feature_norm is None:
            loss, g = f, dc
        else:
            n = feature_norm.to(f.dtype)
            q = logp_y.expm1().neg_()  # 1 − p_y
            inv = torch.addcmul(q.new_tensor(eps), q, n, value=2).reciprocal_()  # 1 / D
            loss = f.mul_(inv) if alpha == 1 else f.mul(inv).mul_(alpha)  # α f / D
            # g = (α dc − 2 loss n p_y) / D = α/D · (dc − (2/α) loss n p_y),  ∂/∂n = −2 loss q / D
            g = torch.add(dc, (loss * n).mul_(torch.rsub(q, 1)), alpha=-2 / alpha)
            g = g.mul_(inv) if alpha == 1 else g.mul_(inv).mul_(alpha)
            grad_n = (loss * q).mul_(inv).mul_(-2)
        ctx.save_for_backward(logp, index, g, grad_n)
        ctx.input_dtype, ctx.norm_dtype = logits.dtype, None if feature_norm is None else feature_norm.dtype
        return loss

    @staticmethod
    def backward(ctx, grad):
        logp, index, g, grad_n = ctx.saved_tensors
        scale = (grad * g).unsqueeze(1)
        grad_x = logp.exp().mul_(scale)
        grad_x.scatter_add_(1, index, -scale)
        grad_norm = None if grad_n is None or not ctx.needs_input_grad[2] else (grad * grad_n).to(ctx.norm_dtype)
        return grad_x.to(ctx.input_dtype), None, grad_norm, None, None, None, None


def ib_focal(logits: Tensor,
             labels: Tensor,
             feature_norm: Optional[Tensor] = None,
             alpha: float = 1000.0,
             gamma: float = 1.0,
             class_weight: Optional[Tensor] = None,
             eps: float = 1e-3) -> Tensor:
    """Element-wise IB focal loss, computed in float32 (float64 kept).

    Args:
        logits (Tensor): ``(N, C, ...)`` class logits.
        labels (Tensor): ``(N, ...)`` class indices in ``[0, C)`` (map ignored pixels to any valid class and mask
            the result).
        feature_norm (Tensor, optional): ``(N, ...)`` L1 norm ``‖h‖₁`` of each sample's penultimate feature.
            ``None`` switches the influence term off.
        alpha (float): α, scale of the influence term. Defaults to 1000 (the authors').
        gamma (float): Focusing exponent γ ``>= 0``. Defaults to 1.
        class_weight (Tensor, optional): ``(C,)`` weights ``w_c``. Defaults to None (all 1).
        eps (float): ε. Defaults to 1e-3.

    Returns:
        Tensor: ``(N, ...)`` loss per sample.

    Example:
        >>> logits = torch.tensor([[2.0, 0.0]])
        >>> ib_focal(logits, torch.tensor([0]), gamma=0.0)  # plain CE: log(1 + e^-2)
        tensor([0.1269])
    """
    if not gamma >= 0:
        raise ValueError(f'gamma must be >= 0, got {gamma!r}')
    if labels.shape != logits.shape[:1] + logits.shape[2:]:
        raise ValueError(f'labels must be (N, ...) {tuple(logits.shape[:1] + logits.shape[2:])} for logits '
                         f'{tuple(logits.shape)}, got {tuple(labels.shape)}')
    if class_weight is not None and tuple(class_weight.shape) != (logits.shape[1], ):
        raise ValueError(f'class_weight must have one weight per class ({logits.shape[1]}), got shape '
                         f'{tuple(class_weight.shape)}')
    return _IBFocal.apply(logits, labels, feature_norm, float(alpha), float(gamma), class_weight, float(eps))


class _L1Norm(torch.autograd.Function):
    """``‖h‖₁`` over dim 1 (kept) with the backward ``sign(h) · g`` in two passes (autograd's ``vector_norm``
    backward takes four: ``sgn``, a multiply, and their buffers); ``sign(0) = 0`` as autograd's."""

    @staticmethod
    def forward(ctx, feature):
        ctx.save_for_backward(feature)
        return feature.abs().sum(1, keepdim=True)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        feature, = ctx.saved_tensors
        return feature.sign().mul_(grad)


def feature_l1_norm(feature: Tensor, size: Sequence[int]) -> Tensor:
    """``‖h‖₁`` of every pixel's feature ``(N, D, h, w)``, upsampled (bilinear) to the logits' ``size`` ``(H, W)``:
    the ``feature_norm`` of :func:`ib_focal` for a segmentation head whose logits are upsampled likewise.

    Taken at the features' resolution, with a closed-form backward (one autograd node); returns ``(N, H, W)`` in
    float32 (float64 kept).
    """
    if feature.dim() != 4:
        raise ValueError(f'feature must be (N, D, h, w), got shape {tuple(feature.shape)}')
    norm = _L1Norm.apply(feature if feature.dtype == torch.float64 else feature.float())
    if tuple(norm.shape[2:]) != tuple(size):
        norm = F.interpolate(norm, size=tuple(size), mode='bilinear', align_corners=False)
    return norm[:, 0]


def auto_alpha(ce_loss: Tensor, unit_loss: Tensor) -> Tensor:
    """α that makes the IB (focal) loss computed with α = 1 (``unit_loss``) as large as the CE loss of the same
    batch (``ce_loss``): ``ce / unit`` (unit floored at 1e-12). The author's advice for a per-pixel IB loss, whose
    fixed α shrinks it by orders of magnitude at the switch (pseulki/IB-Loss#1)."""
    return ce_loss / unit_loss.clamp_min(1e-12)


def ib_sigmoid_focal(logits: Tensor,
                     labels: Tensor,
                     feature_norm: Optional[Tensor] = None,
                     alpha: float = 1000.0,
                     gamma: float = 2.0,
                     focal_alpha: float = 0.25,
                     class_weight: Optional[Tensor] = None,
                     eps: float = 1e-3) -> Tensor:
    """Per-sample influence-balanced sigmoid focal loss, the form for RetinaNet-style heads (C sigmoid outputs per
    anchor, label ``C`` for background). With ``y`` the one-hot target over the C classes (all zero for a background
    anchor) and ``σ = sigmoid(x)``::

        FL_c = −(a y_c + (1 − a)(1 − y_c)) · p_t,c^γ · log(1 − p_t,c),  p_t,c = (1 − σ_c) y_c + σ_c (1 − y_c)
        loss = w · Σ_c FL_c · α / (‖σ − y‖₁ · ‖h‖₁ + ε)

    (``a`` = ``focal_alpha``; FL is mmdet's ``py_sigmoid_focal_loss`` element for element); ``w`` is the class
    weight of a positive anchor's class, 1 for a background anchor (the background count is set by the assigner,
    not the data). ``‖σ − y‖₁ · ‖h‖₁`` is the sigmoid analogue of the IB influence. ``feature_norm=None`` gives
    ``w · Σ_c FL_c``: mmdet's sigmoid focal loss per anchor. Gradients by autograd; the influence is not detached
    (as the IB authors' code).

    Args:
        logits (Tensor): ``(N, C)``.
        labels (Tensor): ``(N,)`` in ``[0, C]``; ``C`` is background.
        feature_norm (Tensor, optional): ``(N,)`` ``‖h‖₁`` of each sample's classifier input.
        alpha (float): α of the influence term. Defaults to 1000.
        gamma (float): Focusing exponent γ ``>= 0``. Defaults to 2 (mmdet's FocalLoss).
        focal_alpha (float): ``a``, the positive/negative balance in ``[0, 1]``. Defaults to 0.25.
        class_weight (Tensor, optional): ``(C,)`` weights of the classes. Defaults to None (all 1).
        eps (float): ε. Defaults to 1e-3.

    Returns:
        Tensor: ``(N,)``.

    Example:
        >>> x = torch.zeros(1, 2)  # σ = 0.5 for both classes, background anchor
        >>> round(float(ib_sigmoid_focal(x, torch.tensor([2]), gamma=0.0, focal_alpha=0.5)), 4)  # 2 · 0.5 · log 2
        0.6931
    """
    if logits.dim() != 2:
        raise ValueError(f'logits must be (N, C), got shape {tuple(logits.shape)}')
    if labels.shape != logits.shape[:1]:
        raise ValueError(f'labels must be (N,) {tuple(logits.shape[:1])}, got {tuple(labels.shape)}')
    if not gamma >= 0:
        raise ValueError(f'gamma must be >= 0, got {gamma!r}')
    if not 0 <= focal_alpha <= 1:
        raise ValueError(f'focal_alpha must be in [0, 1], got {focal_alpha!r}')
    num_classes = logits.shape[1]
    x = logits if logits.dtype == torch.float64 else logits.float()
    target = F.one_hot(labels.long(), num_classes + 1)[:, :num_classes].to(x.dtype)
    sig = x.sigmoid()
    pt = (1 - sig) * target + sig * (1 - target)
    balance = focal_alpha * target + (1 - focal_alpha) * (1 - target)
    focal = F.binary_cross_entropy_with_logits(x, target, reduction='none') * balance * pt.pow(gamma)
    loss = focal.sum(1)
    if class_weight is not None:
        if tuple(class_weight.shape) != (num_classes, ):
            raise ValueError(f'class_weight must have one weight per class ({num_classes}), got shape '
                             f'{tuple(class_weight.shape)}')
        loss = loss * torch.cat([class_weight.to(x.dtype), x.new_ones(1)])[labels.long()]
    if feature_norm is None:
        return loss
    influence = (sig - target).abs().sum(1) * feature_norm.to(x.dtype)
    return loss * alpha / (influence + eps)
