"""A loss that joins the training at a point of the schedule (e.g. the Lovász hinge after a CE phase)."""
from typing import Any

from torch import Tensor

from libra_plugin.registry import MODELS
from .base import SwitchableLoss, runner_is_training

NO_HOOK = ("SwitchedLoss is training without LossSwitchHook, so its loss would never join the training; add "
           "custom_hooks=[dict(type='libra_plugin.LossSwitchHook', switch='iter', at=N)] to the config")


@MODELS.register_module()
class SwitchedLoss(SwitchableLoss):
    """``loss`` (any loss config of the host: mmseg's or mmdet's contract) that contributes 0 until
    ``LossSwitchHook`` switches it on, then the loss itself. The Lovász authors' recipe, cross-entropy first and the
    Lovász hinge added to fine-tune (LovaszSoftmax#5), is::

        loss_decode=[dict(type='libra_plugin.SwitchedLoss', loss=dict(type='libra_plugin.LovaszHingeLoss')),
                     dict(type='CrossEntropyLoss', loss_weight=1.0)]
        custom_hooks = [dict(type='libra_plugin.LossSwitchHook', switch='iter', at=500)]

    Before the switch the call returns ``cls_score.sum() * 0`` (a zero that back-propagates, logged under the
    inner loss's ``loss_name``), so the logged keys are the same in both phases. The phase is in the checkpoint.

    Args:
        loss (dict): The config of the loss that joins at the switch.
    """

    def __init__(self, loss: dict) -> None:
        super().__init__()
        if not (isinstance(loss, dict) and 'type' in loss):
            raise ValueError(f"loss must be a loss config dict with a 'type', got {loss!r}")
        self.loss = MODELS.build(loss)

    @property
    def loss_name(self) -> str:
        """The inner loss's key in the losses dict (mmseg)."""
        return self.loss.loss_name

    def forward(self, cls_score: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if self.training and not self.scheduled and runner_is_training():
            raise RuntimeError(NO_HOOK)
        if not self._active:
            return cls_score.sum() * 0
        return self.loss(cls_score, *args, **kwargs)
