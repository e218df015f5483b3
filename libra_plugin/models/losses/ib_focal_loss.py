"""Influence-balanced focal loss after a CE warm-up, in mmseg decode heads and in mmdet classification heads."""
from typing import List, Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

from libra_plugin.functional.ib_focal import auto_alpha, feature_l1_norm, ib_focal, ib_sigmoid_focal
from libra_plugin.functional.reduction import masked_mean, weight_reduce_loss
from libra_plugin.registry import MODELS
from .base import SegLoss, SwitchableLoss, check_input, device_check, runner_is_training

HOOK_HINT = ("add custom_hooks=[dict(type='libra_plugin.IBLossHook')] to the config: it feeds each head's classifier "
             'input to its IBFocalLoss')
NO_HOOK = ('IBFocalLoss is training without IBLossHook, so it would stay in its warm-up loss for the whole run '
           '(logged as its loss_name); ' + HOOK_HINT + ' and switches it to IB focal')


def _l1(feature: Tensor) -> Tensor:
    """``‖h‖₁`` over dim 1, in float32 (float64 kept)."""
    return (feature if feature.dtype == torch.float64 else feature.float()).abs().sum(1)


@MODELS.register_module()
class IBFocalLoss(SwitchableLoss, SegLoss):
    """Influence-balanced focal loss (Park et al., ICCV 2021) after a warm-up, for segmentation and detection heads.

    Each sample's loss (a pixel; a sampled RoI; an anchor) is divided by its influence and scaled by α:

    * softmax form (mmseg decode heads; mmdet ``BBoxHead``s, ``C + 1`` classes with the background last):
      ``(1 − e^{−CE_w})^γ · CE_w · α / (‖softmax(x) − onehot(y)‖₁ · ‖h‖₁ + ε)`` with ``CE_w = w_y · CE``; warm-up: CE;
    * sigmoid form (``use_sigmoid=True``: RetinaNet-style heads, C sigmoids per anchor, background all-zero):
      ``w · Σ_c FL_c · α / (‖σ(x) − y‖₁ · ‖h‖₁ + ε)`` with mmdet's sigmoid focal ``FL`` (``gamma``, ``focal_alpha``);
      warm-up: that focal loss (:func:`~libra_plugin.functional.ib_focal.ib_sigmoid_focal`).

    ``h`` is the classifier's input for that sample: a decode head's input to ``conv_seg`` (upsampled like the
    logits), a bbox head's input to ``fc_cls``, a RetinaNet head's input to ``retina_cls`` at the anchor's location
    (the A anchors of a location share it). ``IBLossHook`` captures it, counts the classes for
    ``class_weight='auto'`` (pixels of the label maps; boxes of the annotations) and switches from the warm-up; the
    phase and α are buffers, saved in checkpoints. With ``class_weight='auto'`` the weights are ``∝ n_c^−p`` with
    mean 1 over the classes present; in detection the background (a bbox head's class C, a background anchor) gets
    weight 1: how many background samples there are is set by the sampler or assigner, not by the data.

    A fixed α makes the loss collapse by orders of magnitude at the switch (pseulki/IB-Loss#1). ``alpha='auto'``
    sets α at the first IB batch with a labelled sample so that the IB loss equals the warm-up loss on that batch,
    then keeps it.

    Args:
        alpha (float | str): α, or ``'auto'``. Defaults to ``'auto'``.
        gamma (float): Focusing exponent γ ``>= 0``. Defaults to 1.0 (the IB paper's; mmdet's focal uses 2).
        class_weight (Sequence[float] | str, optional): ``w_c`` per class (a bbox head: ``C + 1`` entries, the
            background last), ``'auto'`` or None (all 1). Defaults to None.
        eps (float): ε in the influence denominator. Defaults to 1e-3.
        class_weight_power (float): ``p`` of ``'auto'``: 1 is the IB paper's ``1/n_c``. Defaults to 1.0.
        avg_non_ignore (bool): Segmentation: average over the non-ignored pixels only. Defaults to False.
        use_sigmoid (bool): The sigmoid form, for RetinaNet-style heads. Defaults to False.
        focal_alpha (float): The sigmoid form's positive / negative balance ``a``. Defaults to 0.25.
        reduction (str): Detection: ``'mean'``, ``'sum'`` or ``'none'``, as mmdet's losses. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Segmentation: the key in the losses dict. Defaults to ``'loss_ib_focal'``.

    Shape:
        - segmentation: cls_score ``(B, C, H, W)``, label ``(B, H, W)``, weight ``(B, H, W)`` or None;
        - detection: cls_score ``(N, C + 1)`` or, sigmoid, ``(N, C)``; label ``(N,)`` in ``[0, C]``; weight ``(N,)``.
    """

    def __init__(self,
                 alpha: Union[float, str] = 'auto',
                 gamma: float = 1.0,
                 class_weight: Optional[Union[Sequence[float], str]] = None,
                 eps: float = 1e-3,
                 class_weight_power: float = 1.0,
                 avg_non_ignore: bool = False,
                 use_sigmoid: bool = False,
                 focal_alpha: float = 0.25,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ib_focal') -> None:
        super().__init__(loss_weight, loss_name)
        if alpha != 'auto' and not (isinstance(alpha, (int, float)) and 0 < alpha < float('inf')):
            raise ValueError(f"alpha must be a finite number > 0 or 'auto', got {alpha!r}")
        if not (isinstance(gamma, (int, float)) and 0 <= gamma < float('inf')):
            raise ValueError(f'gamma must be a finite number >= 0, got {gamma!r}')
        if not eps > 0:
            raise ValueError(f'eps must be > 0, got {eps!r}')
        if not (isinstance(class_weight_power, (int, float)) and class_weight_power >= 0):
            raise ValueError(f'class_weight_power must be a number >= 0, got {class_weight_power!r}')
        if class_weight_power != 1.0 and class_weight != 'auto':
            raise ValueError("class_weight_power applies to class_weight='auto' only, got class_weight="
                             f'{class_weight!r}')
        if isinstance(class_weight, str) and class_weight != 'auto':
            raise ValueError(f"class_weight must be a list of floats, 'auto' or None, got {class_weight!r}")
        if not 0 <= focal_alpha <= 1:
            raise ValueError(f'focal_alpha must be in [0, 1], got {focal_alpha!r}')
        if reduction not in ('none', 'mean', 'sum'):
            raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
        self.auto_alpha = alpha == 'auto'
        self.gamma = float(gamma)
        self.eps = eps
        self.avg_non_ignore = avg_non_ignore
        self.use_sigmoid = bool(use_sigmoid)  # read by mmdet's heads: C (sigmoid) or C + 1 (softmax) outputs
        self.focal_alpha = float(focal_alpha)
        self.reduction = reduction
        self.auto_class_weight = class_weight == 'auto'
        self.class_weight_power = float(class_weight_power)
        self.register_buffer('alpha', torch.tensor(0.0 if self.auto_alpha else float(alpha)))
        weights = [] if class_weight is None or self.auto_class_weight else [float(w) for w in class_weight]
        self.register_buffer('class_weight', torch.tensor(weights))
        self._feature: Optional[Tensor] = None
        self._levels: List[Tensor] = []  # a RetinaNet head's classifier inputs, one per level, in forward order
        self._alpha_known = not self.auto_alpha

    @property
    def feature(self) -> Optional[Tensor]:
        """The feature handed for the next forward, or None once that forward has used it."""
        return self._feature

    def set_feature(self, feature: Tensor) -> None:
        """Hand the feature ``h`` of the batch the next forward scores: ``(B, D, h, w)`` per pixel (any resolution:
        its L1 norm is resized to the logits') or ``(N, D)`` per sample. Used once."""
        if not (isinstance(feature, Tensor) and feature.dim() in (2, 4)):
            raise ValueError('IBFocalLoss.set_feature expects a (B, D, h, w) or (N, D) tensor, got '
                             + (f'shape {tuple(feature.shape)}' if isinstance(feature, Tensor) else repr(feature)))
        self._feature = feature

    def feature_from(self, module: nn.Module) -> RemovableHandle:
        """Hand the input of ``module`` (a ``conv_seg``, an ``fc_cls``) to :meth:`set_feature` on each forward."""
        return module.register_forward_pre_hook(lambda _m, args: self.set_feature(args[0]))

    def levels_from(self, head: nn.Module, classifier: nn.Module) -> List[RemovableHandle]:
        """A dense head's classifier inputs, one per level: each forward of ``head`` starts a new list, each call of
        ``classifier`` (one per level) appends to it, each loss call (one per level, in the same order) takes one."""
        def start(_m, _args):
            self._levels = []

        def append(_m, args):
            self._levels.append(args[0])
        return [head.register_forward_pre_hook(start), classifier.register_forward_pre_hook(append)]

    def set_class_weight(self, weight: Tensor) -> None:
        """Set ``w_c`` (used by ``IBLossHook`` for ``class_weight='auto'``)."""
        self.class_weight = weight.detach().to(self.class_weight.device, torch.float32)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        counted = state_dict.get(prefix + 'class_weight')
        if self.auto_class_weight and isinstance(counted, Tensor):  # counted weights: take the checkpoint's size
            self.class_weight = self.class_weight.new_empty(counted.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._alpha_known = not self.auto_alpha or bool(self.alpha > 0)

    def forward(self, cls_score: Tensor, label: Tensor, weight: Optional[Tensor] = None, *args, **kwargs) -> Tensor:
        """mmseg's call for ``(B, C, H, W)`` logits, mmdet's ``(cls_score, label, weight, avg_factor,
        reduction_override)`` for ``(N, C)`` ones."""
        if self.training and not self.scheduled and runner_is_training():
            raise RuntimeError(NO_HOOK)
        if isinstance(cls_score, Tensor) and cls_score.dim() == 2:
            return self._detection(cls_score, label, weight, *args, **kwargs)
        if self.use_sigmoid:
            raise ValueError('IBFocalLoss(use_sigmoid=True) is the form for RetinaNet-style detection heads; a '
                             'segmentation head takes the softmax form (use_sigmoid=False)')
        return super().forward(cls_score, label, weight, *args, **kwargs)

    def compute(self, cls_score: Tensor, labels: Tensor, valid: Tensor, weight: Optional[Tensor]) -> Tensor:
        reduce = lambda loss: self.loss_weight * masked_mean(loss, valid, weight, over_valid=self.avg_non_ignore)  # noqa: E731,E501
        class_weight = self._class_weight(cls_score.shape[1])
        feature, self._feature = self._feature, None  # used once: never a stale batch's
        if not self._active:
            return reduce(ib_focal(cls_score, labels, None, gamma=0.0))
        if feature is None:
            raise ValueError('IBFocalLoss received no features: ' + HOOK_HINT)
        unit = ib_focal(cls_score, labels, feature_l1_norm(feature, cls_score.shape[2:]), alpha=1.0,
                        gamma=self.gamma, class_weight=class_weight, eps=self.eps)
        return self._scaled(reduce(unit), lambda: reduce(ib_focal(cls_score, labels, None, gamma=0.0)))

    def _detection(self, cls_score: Tensor, label: Tensor, weight: Optional[Tensor] = None,
                   avg_factor: Optional[float] = None, reduction_override: Optional[str] = None, **kwargs) -> Tensor:
        check_input('IBFocalLoss', 'cls_score', cls_score)
        check_input('IBFocalLoss', 'label', label, 'index')
        if label.shape != cls_score.shape[:1]:
            raise ValueError(f'IBFocalLoss: label must be (N,) {tuple(cls_score.shape[:1])} for cls_score '
                             f'{tuple(cls_score.shape)}, got {tuple(label.shape)}')
        reduction = reduction_override or self.reduction
        if label.numel() == 0:
            return cls_score.sum() * 0
        num = cls_score.shape[1] if self.use_sigmoid else cls_score.shape[1] - 1  # the foreground classes
        lo, hi = torch.aminmax(label)
        device_check(('IBFocalLoss', 'label'), (lo >= 0) & (hi <= num), lambda when: (
            f'IBFocalLoss got labels outside [0, {num}] (the {num} classes, then the background {num}){when}'))
        norm = self._detection_norm(cls_score)
        reduce = lambda loss: self.loss_weight * weight_reduce_loss(  # noqa: E731
            loss, None if weight is None else weight.float(), reduction, avg_factor)
        if self.use_sigmoid:
            warm = lambda: ib_sigmoid_focal(cls_score, label, None, gamma=self.gamma,  # noqa: E731
                                            focal_alpha=self.focal_alpha)
            ib = lambda n: ib_sigmoid_focal(cls_score, label, n, 1.0, self.gamma, self.focal_alpha,  # noqa: E731
                                            self._class_weight(num), self.eps)
        else:
            warm = lambda: ib_focal(cls_score, label, None, gamma=0.0)  # noqa: E731
            ib = lambda n: ib_focal(cls_score, label, n, 1.0, self.gamma,  # noqa: E731
                                    self._class_weight(num + 1, background=True), self.eps)
        if not self._active:
            return reduce(warm())
        if norm is None:
            raise ValueError('IBFocalLoss received no features: ' + HOOK_HINT)
        return self._scaled(reduce(ib(norm)), lambda: reduce(warm()))

    def _detection_norm(self, cls_score: Tensor) -> Optional[Tensor]:
        """``‖h‖₁`` per row of ``cls_score``: the bbox head's ``fc_cls`` input, or this level's classifier input
        repeated for the A anchors of each location (mmdet flattens ``(N, A·C, H, W)`` to rows n, y, x, a)."""
        if self._feature is not None:
            feature, self._feature = self._feature, None
            if feature.dim() != 2 or feature.shape[0] != cls_score.shape[0]:
                raise ValueError(f'IBFocalLoss: the classifier input {tuple(feature.shape)} does not match the '
                                 f'{cls_score.shape[0]} scored samples')
            return _l1(feature)
        if not self._levels:
            return None
        feature = self._levels.pop(0)
        locations = feature.shape[0] * feature.shape[2] * feature.shape[3]
        if cls_score.shape[0] % locations:
            raise ValueError(f'IBFocalLoss: {cls_score.shape[0]} anchors are not a multiple of the {locations} '
                             f'locations of the classifier input {tuple(feature.shape)}')
        norm = _l1(feature).reshape(-1)
        return norm.repeat_interleave(cls_score.shape[0] // locations)

    def _class_weight(self, classes: int, background: bool = False) -> Optional[Tensor]:
        """The class weights for ``classes`` outputs (``background``: the last one is the background, weight 1 when
        the weights were counted); None when there are none."""
        if self.auto_class_weight and not self.class_weight.numel() and self._active:
            raise ValueError("class_weight='auto' was never counted: " + HOOK_HINT)
        w = self.class_weight
        if not w.numel():
            return None
        if background and self.auto_class_weight and w.numel() == classes - 1:
            w = torch.cat([w, w.new_ones(1)])
        if w.numel() != classes:
            raise ValueError(f'class_weight has {w.numel()} entries but the head predicts {classes} classes'
                             + (' (a bbox head: the C classes and the background)' if background else ''))
        return w

    def _scaled(self, unit: Tensor, warm_loss) -> Tensor:
        """``α · unit``; with ``alpha='auto'`` α is set at the first IB batch that has a labelled sample (the loss
        of a batch without one is 0 and sets nothing), so that the IB loss equals the warm-up loss there."""
        if not self._alpha_known:
            with torch.no_grad():
                warm = warm_loss()
                if not bool(unit > 0):
                    return unit * 0  # no labelled sample: α waits for a batch that has one
                self.alpha.copy_(auto_alpha(warm, unit))
            self._alpha_known = True
            print_log(f'IBFocalLoss: alpha set to {float(self.alpha):.6g} at the switch (the IB focal loss equals '
                      f'the warm-up loss {float(warm):.4f} on that batch)', logger='current')
        return unit * self.alpha
