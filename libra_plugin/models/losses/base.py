"""The loss contracts shared by the plugin's losses: mmdet's for the element-wise regression losses (Balanced L1,
Gaussian L1), mmseg's for the segmentation losses (:class:`SegLoss`), and the two-phase losses of a switch hook."""
import os
from typing import Any, Callable, Dict, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from libra_plugin.functional import check_avg_factor, check_reduction, weight_reduce_loss


_FINITE_CHECK = dict(every=int(os.environ.get('LIBRA_PLUGIN_FINITE_CHECK_EVERY', '1')))
_pending: Dict[Tuple[str, str], Tuple[Tensor, int]] = {}  # (loss, input) -> (all finite so far, calls)


def set_finite_check(every: int) -> None:
    """How often the losses check their inputs for NaN / Inf and their labels for values outside the classes
    (``LIBRA_PLUGIN_FINITE_CHECK_EVERY``, default 1).

    ``1``: every call, before the loss is computed, so no NaN reaches the weights (on CUDA: one host
    synchronisation per loss call). ``N > 1``: each call folds its check into a flag on the device and the flag
    is read every ``N`` calls (one synchronisation per ``N``); the error then comes up to ``N - 1`` calls late and
    names the loss and input. ``0``: no check.
    """
    if isinstance(every, bool) or not isinstance(every, int) or every < 0:
        raise ValueError(f'every must be an integer >= 0 (0: no check), got {every!r}')
    _FINITE_CHECK['every'] = every
    _pending.clear()


def check_input(loss: str, name: str, x: Tensor, kind: str = 'float') -> None:
    """A clear error for an input that would give a NaN loss (and NaN weights) or fail deep inside torch.

    ``kind='float'``: a floating point tensor without NaN/Inf (as often as :func:`set_finite_check` says);
    ``'index'``: an integer tensor of class indices.
    """
    if kind == 'index':
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f'{loss}: {name} must be an integer tensor of class indices, got {x.dtype}')
        return
    if not x.is_floating_point():
        raise TypeError(f'{loss}: {name} must be a floating point tensor, got {x.dtype}')
    if x.numel() == 0 or _FINITE_CHECK['every'] == 0:
        return
    lo, hi = torch.aminmax(x.detach())  # NaN or +-Inf anywhere shows in these; 15x faster than isfinite().all()
    device_check((loss, name), torch.isfinite(lo) & torch.isfinite(hi), lambda when: (
        f'{loss}: {name} contains NaN or Inf{when} (a diverged model or corrupt input); lower the learning rate or '
        'clip gradients (optim_wrapper.clip_grad)'))


def device_check(key: Tuple[str, str], ok: Tensor, message: Callable[[str], str]) -> None:
    """Raise ``ValueError(message(when))`` unless the 0-d boolean ``ok`` holds, read on the host as often as
    :func:`set_finite_check` says (``when`` is ``''``, or ``' in one of its last N calls'`` for a delayed read)."""
    every = _FINITE_CHECK['every']
    if every == 0:
        return
    calls = 1
    if every > 1:
        flag, calls = _pending.pop(key, (None, 0))
        ok, calls = (ok if flag is None else flag & ok.to(flag.device)), calls + 1
        if calls < every:
            _pending[key] = (ok, calls)
            return
    if not bool(ok):
        raise ValueError(message('' if calls == 1 else f' in one of its last {calls} calls'))


def check_multiclass_shapes(cls_score: Tensor, label: Tensor) -> None:
    """Logits ``(B, C, H, W)`` for labels ``(B, H, W)``, else ``ValueError`` naming both shapes."""
    if cls_score.dim() != 4 or cls_score.shape[0] != label.shape[0] or cls_score.shape[2:] != label.shape[1:]:
        raise ValueError(f'cls_score must be (B, C, H, W) matching label (B, H, W) {tuple(label.shape)}, got '
                         f'{tuple(cls_score.shape)}')


def masked_labels(label: Tensor, ignore_index: Optional[int], num_classes: int, loss: str) -> Tuple[Tensor, Tensor]:
    """The mask of the non-ignored pixels and the labels with the ignored ones set to class 0 (any class will do: the
    callers mask them out); labels outside ``[0, num_classes)`` raise ``ValueError`` (read on the host as often as
    :func:`set_finite_check` says). ``label`` must not be empty."""
    if ignore_index is None:
        valid, labels = torch.ones_like(label, dtype=torch.bool), label
    else:
        valid = label != ignore_index
        labels = torch.where(valid, label, 0)
    lo, hi = torch.aminmax(labels)  # one reduction: the ignored pixels are 0 here, only real labels can be outside

    def message(when: str) -> str:
        bad = valid & ((label < 0) | (label >= num_classes))
        values = '' if when else f': {sorted(label[bad].unique().tolist())}'
        return f'{loss} got labels outside [0, {num_classes - 1}] that are not ignore_index={ignore_index}{when}{values}'

    device_check((loss, 'label'), (lo >= 0) & (hi < num_classes), message)
    return valid, labels


class ElementwiseLoss(nn.Module):
    """``forward(pred, target, weight, avg_factor, reduction_override)`` over an element-wise :meth:`elementwise`.

    Follows mmdet's ``weighted_loss``: empty targets give ``pred.sum() * 0`` (a zero that back-propagates), the
    weight multiplies the element-wise loss (an ``(N,)`` weight is broadcast over the coordinates), ``avg_factor``
    divides the sum for ``'mean'``.

    Args:
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0) -> None:
        super().__init__()
        check_reduction(reduction)
        self.reduction = reduction
        self.loss_weight = loss_weight

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        """The unreduced loss, same shape as ``pred``."""
        raise NotImplementedError

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs: Any) -> Tensor:
        """Loss of ``pred`` against ``target``, weighted by ``weight`` and reduced; in ``pred``'s dtype (computed in
        float32 for half precision, as mmdet returns it)."""
        if reduction_override is not None:
            check_reduction(reduction_override, 'reduction_override')
        reduction = reduction_override or self.reduction
        check_avg_factor(reduction, avg_factor)  # before the empty batch, which mmdet checks too
        if target.numel() == 0:
            return pred.sum() * 0
        check_input(type(self).__name__, 'pred', pred)
        check_input(type(self).__name__, 'target', target)
        loss = self.elementwise(pred, target)  # the function checks the shapes
        if weight is not None and weight.dim() < loss.dim() and weight.shape[0] == loss.shape[0]:
            weight = weight.reshape(weight.shape + (1, ) * (loss.dim() - weight.dim()))
        return (self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)).to(pred.dtype)


class SegLoss(nn.Module):
    """mmseg's loss contract in one place: ``loss_weight``, a ``loss_name`` (the key in the losses dict, starting
    ``loss_``) and the prologue every segmentation loss shares (:meth:`forward`): the inputs checked (floating, finite
    logits; integer labels), an empty batch answered with a zero that back-propagates, the shapes checked
    (:meth:`check_shapes`), the ignored pixels masked and the labels checked against the classes. The maths is in
    each loss's :meth:`compute`.

    Args:
        loss_weight (float): Multiplier of the loss.
        loss_name (str): Key in the losses dict; mmseg logs and sums only keys starting with ``'loss_'``.
    """

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f"loss_name must start with 'loss_' (mmseg logs only such keys), got {loss_name!r}")
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = 255,
                **kwargs: Any) -> Tensor:
        """mmseg's call ``loss(seg_logits, seg_label, weight=..., ignore_index=...)``; pixels equal to
        ``ignore_index`` are left out. Other keywords (``avg_factor``, ``reduction_override``) go to :meth:`compute`."""
        self.check_inputs(cls_score, label)
        if label.numel() == 0:  # an empty batch: a zero that back-propagates
            return cls_score.sum() * 0
        cls_score, weight = self.check_shapes(cls_score, label, weight)
        valid, labels = masked_labels(label, ignore_index, self.label_classes(cls_score), type(self).__name__)
        return self.compute(cls_score, labels, valid, weight, **kwargs)

    def check_inputs(self, cls_score: Tensor, label: Tensor) -> None:
        """The logits must be floating and finite, the labels integer (errors name the loss and the argument)."""
        check_input(type(self).__name__, 'cls_score', cls_score)
        check_input(type(self).__name__, 'label', label, 'index')

    def check_shapes(self, cls_score: Tensor, label: Tensor,
                     weight: Optional[Tensor]) -> Tuple[Tensor, Optional[Tensor]]:
        """``(B, C, H, W)`` logits for ``(B, H, W)`` labels (a loss with other shapes overrides it); returns the
        logits and the pixel weight the loss computes with."""
        check_multiclass_shapes(cls_score, label)
        return cls_score, weight

    def label_classes(self, cls_score: Tensor) -> int:
        """How many classes the labels may hold (the logits' channels)."""
        return cls_score.shape[1]

    def compute(self, cls_score: Tensor, labels: Tensor, valid: Tensor, weight: Optional[Tensor],
                **kwargs: Any) -> Tensor:
        """The loss of the checked logits, the labels (ignored pixels set to class 0) and the ``valid`` mask."""
        raise NotImplementedError

    @property
    def loss_name(self) -> str:
        """The key of this loss in the losses dict (mmseg)."""
        return self._loss_name


def runner_is_training() -> bool:
    """An mmengine runner's train loop is running (its RuntimeInfoHook sets ``loop_stage`` for the loop)."""
    from mmengine.logging import MessageHub
    return MessageHub.get_current_instance().get_info('loop_stage') == 'train'


class SwitchableLoss(nn.Module):
    """A loss with two phases, switched once by a hook (``LossSwitchHook`` and its subclasses): ``start()`` moves it
    to the second phase. The phase lives in the ``active`` buffer, so checkpoints hold it and a resumed run continues
    in it; ``started`` is the host's copy (reading the buffer on every call would synchronise a GPU). ``scheduled``
    is set by the hook that switches it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.register_buffer('active', torch.tensor(False))
        self._active = False
        self.scheduled = False

    def start(self) -> None:
        """Enter the second phase (from the next forward on)."""
        self.active.fill_(True)
        self._active = True

    @property
    def started(self) -> bool:
        """Whether the second phase has started (no device read)."""
        return self._active

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._active = bool(self.active)  # a resumed run continues in its phase; read once, at load
