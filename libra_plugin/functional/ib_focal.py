"""Influence-balanced (IB) focal loss (Park et al., ICCV 2021, arXiv:2110.02444), per sample or pixel, pure torch.

For a sample with logits ``x``, label ``y``, penultimate feature ``h`` and class weights ``w``::

    CE_w = w_y · CE(x, y)
    ib   = α / (‖softmax(x) − onehot(y)‖₁ · ‖h‖₁ + ε)          (the inverse of the sample's influence)
    loss = (1 − exp(−CE_w))^γ · CE_w · ib

as in the authors' code (pseulki/IB-Loss): the focal factor is taken of the weighted CE, ``ib`` is not detached.
``‖softmax(x) − onehot(y)‖₁ = 2 (1 − p_y)`` is used in closed form. γ = 0 gives the IB loss; without the influence
term (``feature_norm=None``) it is the class-weighted focal loss, and with γ = 0 too the class-weighted CE.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


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
    if logits.dtype != torch.float64:
        logits = logits.float()
    logp = F.log_softmax(logits, dim=1)
    logp_y = logp.gather(1, labels.unsqueeze(1).long()).squeeze(1)
    ce = -logp_y
    if class_weight is not None:
        ce = ce * class_weight.to(ce.dtype)[labels.long()]
    if gamma == 0:
        loss = ce
    elif gamma == 1:
        loss = -torch.expm1(-ce) * ce
    else:
        loss = (-torch.expm1(-ce)).pow(gamma) * ce
    if feature_norm is None:
        return loss
    influence = 2 * (1 - logp_y.exp()) * feature_norm.to(loss.dtype)
    return loss * (alpha / (influence + eps))
