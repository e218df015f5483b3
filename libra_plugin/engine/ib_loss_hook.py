"""Training-time wiring of ``IBFocalLoss``: features from the decode heads, class counts, the CE -> IB switch."""
from typing import List, Optional, Tuple

import torch
from mmengine.dist import broadcast_object_list, get_rank, get_world_size

from libra_plugin.datasets.class_counts import count_classes, inverse_frequency_weights
from libra_plugin.models.losses.ib_focal_loss import IBFocalLoss
from libra_plugin.registry import HOOKS
from .loss_switch_hook import LossSwitchHook


def _decode_losses(module: torch.nn.Module) -> list:
    losses = getattr(module, 'loss_decode', None)
    if losses is None:
        return []
    return list(losses) if isinstance(losses, torch.nn.ModuleList) else [losses]


def find_ib_losses(model: torch.nn.Module) -> List[Tuple[torch.nn.Module, IBFocalLoss]]:
    """``(head, loss)`` for every ``IBFocalLoss`` among the ``loss_decode`` of heads that have a ``conv_seg`` (whose
    input is the feature) or that hand the loss its features themselves (``supplies_ib_features``, e.g. PiCIE)."""
    found = []
    placed = {id(loss) for module in model.modules() for loss in _decode_losses(module)}
    for name, module in model.named_modules():
        if isinstance(module, IBFocalLoss) and id(module) not in placed:
            raise ValueError(f'IBFocalLoss is for segmentation heads only (the loss_decode of an mmseg decode head, '
                             f'per-pixel logits and labels); the model has one at {name}')
    for module in model.modules():
        losses = getattr(module, 'loss_decode', None)
        if losses is None:
            continue
        for loss in _decode_losses(module):
            if isinstance(loss, IBFocalLoss):
                if not (isinstance(getattr(module, 'conv_seg', None), torch.nn.Module)
                        or getattr(module, 'supplies_ib_features', False)):
                    raise ValueError(f'IBFocalLoss is configured on {type(module).__name__}, which has no conv_seg '
                                     'whose input could serve as the per-pixel feature')
                found.append((module, loss))
    return found


@HOOKS.register_module()
class IBLossHook(LossSwitchHook):
    """Feeds ``IBFocalLoss`` its features and class weights, and switches it from CE to IB focal.

    * Features: a forward pre-hook on every such head's ``conv_seg`` hands its input (the penultimate feature
      ``h``) to the loss; works for any mmseg decode head ending in ``conv_seg``, no subclass needed.
    * ``class_weight='auto'``: pixel counts of the training labels (cached, see ``count_classes``) give
      ``w_c ∝ n_c^−p`` (the loss's ``class_weight_power``, 1 by default), normalised to sum to the number of
      classes.
    * Switch: the rules of :class:`LossSwitchHook` (``'iter'``, ``'epoch'``, ``'loss_min'``, ``'epoch_loss_min'``;
      the PiCIE + IB focal recipe switches at the epoch after the CE loss was lowest: ``'epoch_loss_min'``), here
      with ``'loss_min'`` the default. The switch is logged; its state lives in the loss's buffers and the message
      hub, so a resumed run continues in the right phase and switches once.

    Args:
        switch (str): ``'iter'``, ``'epoch'``, ``'loss_min'`` or ``'epoch_loss_min'``. Defaults to ``'loss_min'``.
        at (int, optional): Iteration or epoch of the switch (``'iter'``/``'epoch'``).
        patience (int): Iterations without improvement for ``'loss_min'``. Defaults to 200.
        smooth (float): EMA factor of the loss for ``'loss_min'``, in ``[0, 1)``. Defaults to 0.98.
        min_delta (float): Smallest improvement that counts. Defaults to 0.
        cache_dir (str, optional): Where class counts are cached. Defaults to ``~/.cache/libra_plugin``.
        lr_factor (float): Multiplies the learning rate of every parameter group at the switch (the IB paper
            drops it 100×: 0.01). Defaults to 1.0 (unchanged).
    """

    message = 'switching from CE to IB focal loss'
    hub_prefix = 'ib_'

    def __init__(self,
                 switch: str = 'loss_min',
                 at: Optional[int] = None,
                 patience: int = 200,
                 smooth: float = 0.98,
                 min_delta: float = 0.0,
                 cache_dir: Optional[str] = None,
                 lr_factor: float = 1.0) -> None:
        super().__init__(switch, at, patience, smooth, min_delta, lr_factor)
        self.cache_dir = cache_dir
        self.pairs: List[Tuple[torch.nn.Module, IBFocalLoss]] = []

    def find_losses(self, model: torch.nn.Module) -> List[IBFocalLoss]:
        self.pairs = find_ib_losses(model)
        if not self.pairs:
            raise ValueError('IBLossHook found no IBFocalLoss in any decode head (loss_decode) of the model')
        return [loss for _, loss in self.pairs]

    def before_train(self, runner) -> None:
        super().before_train(runner)
        for head, loss in self.pairs:
            if isinstance(getattr(head, 'conv_seg', None), torch.nn.Module):
                loss.feature_from(head.conv_seg)
            if loss.auto_class_weight and loss.class_weight.numel() == 0:
                counts = self._shared_counts(runner, head)
                loss.set_class_weight(torch.as_tensor(inverse_frequency_weights(counts, loss.class_weight_power)))
                runner.logger.info(f'IBFocalLoss class pixel counts {counts.tolist()}, weights '
                                   f'{[round(w, 4) for w in loss.class_weight.tolist()]}')

    def _shared_counts(self, runner, head):
        """Class pixel counts read by rank 0 alone and broadcast to the other processes."""
        box = [None]
        if get_rank() == 0:
            box[0] = count_classes(runner.train_dataloader.dataset, head.num_classes, head.ignore_index,
                                   self.cache_dir)
        if get_world_size() > 1:
            broadcast_object_list(box, src=0)
            runner.logger.info(f'IBLossHook: class counts computed on rank 0, shared with {get_world_size()} '
                               'processes')
        return box[0]
