"""Influence-balanced focal loss per pixel, with mmseg's loss contract and a CE warm-up."""
from typing import Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

from libra_plugin.functional.ib_focal import auto_alpha, feature_l1_norm, ib_focal
from libra_plugin.functional.reduction import masked_mean
from libra_plugin.registry import MODELS
from .base import SegLoss, SwitchableLoss, check_multiclass_shapes, masked_labels, runner_is_training

HOOK_HINT = ("add custom_hooks=[dict(type='libra_plugin.IBLossHook')] to the config: it feeds each decode head's "
             "input of conv_seg to its IBFocalLoss")
NO_HOOK = ('IBFocalLoss is training without IBLossHook, so it would stay plain cross-entropy for the whole run '
           '(logged as its loss_name); ' + HOOK_HINT + ' and switches it from CE to IB focal')


@MODELS.register_module()
class IBFocalLoss(SwitchableLoss, SegLoss):
    """Influence-balanced focal loss (Park et al., ICCV 2021) applied per pixel, after a cross-entropy warm-up.

    Per pixel: ``w_y · CE`` turned focal, ``(1 − e^{−CE_w})^γ · CE_w``, divided by the pixel's influence
    ``‖softmax(x) − onehot(y)‖₁ · ‖h‖₁`` (plus ε) and scaled by α; ``h`` is the pixel's penultimate feature, the
    decode head's input to ``conv_seg``, upsampled like the logits. ``IBLossHook`` (a custom hook) captures those
    features for any mmseg head that ends in ``conv_seg``, counts the class frequencies for ``class_weight='auto'``
    and switches this loss from CE to IB focal; the state (switched, α) lives in buffers, so it is saved in
    checkpoints and restored on resume.

    The feature ``h`` reaches the loss through :meth:`set_feature` (one batch, consumed by the next forward) or
    :meth:`feature_from` (the input of a module, on each of its forwards; what ``IBLossHook`` does with
    ``conv_seg``); it is not an argument because mmseg's heads call their losses with logits and labels only.

    A fixed per-pixel α makes the loss collapse by orders of magnitude at the switch (pseulki/IB-Loss#1).
    ``alpha='auto'`` sets α at the first IB step so that the IB focal loss equals the CE loss on that batch, then
    keeps it.

    Args:
        alpha (float | str): α, or ``'auto'``. Defaults to ``'auto'``.
        gamma (float): Focusing exponent γ ``>= 0`` (0: IB loss). Defaults to 1.0.
        class_weight (Sequence[float] | str, optional): ``w_c`` per class, ``'auto'`` (``∝ n_c^−p`` normalised to
            sum to the number of classes, counted by ``IBLossHook`` on the training labels), or None (all 1).
            Defaults to None.
        class_weight_power (float): ``p`` of ``'auto'``: 1 is the IB paper's ``1/n_c``, 0.5 a milder
            re-weighting, 0 none. Defaults to 1.0.
        eps (float): ε in the influence denominator. Defaults to 1e-3.
        avg_non_ignore (bool): Average over non-ignored pixels only (mmseg's option); else over all pixels.
            Defaults to False.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the losses dict. Defaults to ``'loss_ib_focal'``.

    Shape:
        - cls_score: ``(B, C, H, W)`` logits; label: ``(B, H, W)``; weight: ``(B, H, W)`` or None.
    """

    def __init__(self,
                 alpha: Union[float, str] = 'auto',
                 gamma: float = 1.0,
                 class_weight: Optional[Union[Sequence[float], str]] = None,
                 eps: float = 1e-3,
                 class_weight_power: float = 1.0,
                 avg_non_ignore: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ib_focal') -> None:
        super().__init__(loss_weight, loss_name)
        if alpha != 'auto' and not (isinstance(alpha, (int, float)) and alpha > 0):
            raise ValueError(f"alpha must be a number > 0 or 'auto', got {alpha!r}")
        if not (isinstance(gamma, (int, float)) and gamma >= 0):
            raise ValueError(f'gamma must be a number >= 0, got {gamma!r}')
        if not eps > 0:
            raise ValueError(f'eps must be > 0, got {eps!r}')
        if not (isinstance(class_weight_power, (int, float)) and class_weight_power >= 0):
            raise ValueError(f'class_weight_power must be a number >= 0, got {class_weight_power!r}')
        if class_weight_power != 1.0 and class_weight != 'auto':
            raise ValueError("class_weight_power applies to class_weight='auto' only, got class_weight="
                             f'{class_weight!r}')
        if isinstance(class_weight, str) and class_weight != 'auto':
            raise ValueError(f"class_weight must be a list of floats, 'auto' or None, got {class_weight!r}")
        self.auto_alpha = alpha == 'auto'
        self.gamma = float(gamma)
        self.eps = eps
        self.avg_non_ignore = avg_non_ignore
        self.auto_class_weight = class_weight == 'auto'
        self.class_weight_power = float(class_weight_power)
        self.register_buffer('alpha', torch.tensor(0.0 if self.auto_alpha else float(alpha)))
        weights = [] if class_weight is None or self.auto_class_weight else [float(w) for w in class_weight]
        self.register_buffer('class_weight', torch.tensor(weights))
        self._feature: Optional[Tensor] = None
        self._alpha_known = not self.auto_alpha

    @property
    def feature(self) -> Optional[Tensor]:
        """The feature handed for the next forward, or None once that forward has used it."""
        return self._feature

    def set_feature(self, feature: Tensor) -> None:
        """Hand the per-pixel feature ``h`` ``(B, D, h, w)`` of the batch the next forward scores (any resolution:
        its L1 norm is resized to the logits'). Used once: a forward consumes it, so no later batch sees it."""
        if not (isinstance(feature, Tensor) and feature.dim() == 4):
            raise ValueError('IBFocalLoss.set_feature expects a (B, D, h, w) tensor, got '
                             + (f'shape {tuple(feature.shape)}' if isinstance(feature, Tensor) else repr(feature)))
        self._feature = feature

    def feature_from(self, module: nn.Module) -> RemovableHandle:
        """Hand the input of ``module`` (e.g. a decode head's ``conv_seg``) to :meth:`set_feature` on each of its
        forwards; returns the hook's handle (``.remove()`` stops it)."""
        return module.register_forward_pre_hook(lambda _m, args: self.set_feature(args[0]))

    def set_class_weight(self, weight: Tensor) -> None:
        """Set ``w_c`` (used by ``IBLossHook`` for ``class_weight='auto'``)."""
        self.class_weight = weight.detach().to(self.class_weight.device, torch.float32)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._alpha_known = not self.auto_alpha or bool(self.alpha > 0)

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        """CE before the switch, IB focal after it; pixels equal to ``ignore_index`` are left out."""
        if isinstance(cls_score, Tensor) and cls_score.dim() != 4:
            raise ValueError('IBFocalLoss is for segmentation heads only (the loss_decode of an mmseg decode head): '
                             f'it takes (B, C, H, W) logits and (B, H, W) labels, got logits of shape '
                             f'{tuple(cls_score.shape)}')
        if self.training and not self.scheduled and runner_is_training():
            raise RuntimeError(NO_HOOK)
        self.check_inputs(cls_score, label)
        if label.numel() == 0:  # an empty batch: a zero that back-propagates
            return cls_score.sum() * 0
        check_multiclass_shapes(cls_score, label)
        num_classes = cls_score.shape[1]
        valid, labels = masked_labels(label, ignore_index, num_classes, 'IBFocalLoss')
        class_weight = self.class_weight if self.class_weight.numel() else None
        if class_weight is not None and class_weight.numel() != num_classes:
            raise ValueError(f'class_weight has {class_weight.numel()} entries but the head predicts {num_classes} '
                             'classes')
        if self.auto_class_weight and class_weight is None and self._active:
            raise ValueError("class_weight='auto' was never counted: " + HOOK_HINT)
        feature, self._feature = self._feature, None  # used once: never a stale batch's
        if not self._active:
            return self._reduce(ib_focal(cls_score, labels, None, gamma=0.0), valid, weight)
        if feature is None:
            raise ValueError('IBFocalLoss received no features: ' + HOOK_HINT)
        norm = feature_l1_norm(feature, cls_score.shape[2:])
        unit = ib_focal(cls_score, labels, norm, alpha=1.0, gamma=self.gamma, class_weight=class_weight,
                        eps=self.eps)
        if not self._alpha_known:  # the switch batch: alpha keeps the loss at the size of CE, then stays fixed
            with torch.no_grad():
                ce = self._reduce(ib_focal(cls_score, labels, None, gamma=0.0), valid, weight)
                self.alpha.copy_(auto_alpha(ce, self._reduce(unit, valid, weight)))
            self._alpha_known = True
            print_log(f'IBFocalLoss: alpha set to {float(self.alpha):.6g} at the switch (the IB focal loss equals '
                      f'the CE loss {float(ce):.4f} on that batch)', logger='current')
        return self._reduce(unit, valid, weight) * self.alpha  # α after the sum: one multiply, not one per pixel

    def _reduce(self, loss: Tensor, valid: Tensor, weight: Optional[Tensor]) -> Tensor:
        return self.loss_weight * masked_mean(loss, valid, weight, over_valid=self.avg_non_ignore)
