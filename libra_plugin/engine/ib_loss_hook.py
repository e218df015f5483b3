"""Training-time wiring of ``IBFocalLoss``: features from the decode heads, class counts, the CE -> IB switch."""
import math
from typing import List, Optional, Tuple

import torch
from mmengine.dist import broadcast_object_list, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from libra_plugin.datasets.class_counts import count_classes, inverse_frequency_weights
from libra_plugin.models.losses.ib_focal_loss import IBFocalLoss
from libra_plugin.registry import HOOKS

SWITCHES = ('iter', 'epoch', 'loss_min', 'epoch_loss_min')


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
class IBLossHook(Hook):
    """Feeds ``IBFocalLoss`` its features and class weights, and switches it from CE to IB focal.

    * Features: a forward pre-hook on every such head's ``conv_seg`` hands its input (the penultimate feature
      ``h``) to the loss; works for any mmseg decode head ending in ``conv_seg``, no subclass needed.
    * ``class_weight='auto'``: pixel counts of the training labels (cached, see ``count_classes``) give
      ``w_c ∝ n_c^−p`` (the loss's ``class_weight_power``, 1 by default), normalised to sum to the number of
      classes.
    * Switch (seed paper: CE first, IB focal from the epoch where the CE loss is lowest): ``'iter'``/``'epoch'``
      at ``at``; ``'loss_min'`` when the smoothed training loss (EMA with factor ``smooth``) has not improved by
      more than ``min_delta`` for ``patience`` iterations; ``'epoch_loss_min'`` after the first epoch whose mean
      training loss is not below the lowest epoch mean so far (by more than ``min_delta``), i.e. from the epoch
      after the minimum was seen (the seed paper's PiCIE rule). The switch is logged; its state lives in the loss's
      buffers and the message hub, so a resumed run continues in the right phase.

    Args:
        switch (str): ``'iter'``, ``'epoch'``, ``'loss_min'`` or ``'epoch_loss_min'``. Defaults to ``'loss_min'``.
        at (int, optional): Iteration or epoch of the switch (``'iter'``/``'epoch'``).
        patience (int): Iterations without improvement for ``'loss_min'``. Defaults to 200.
        smooth (float): EMA factor of the loss for ``'loss_min'``, in ``[0, 1)``. Defaults to 0.98.
        min_delta (float): Smallest improvement that counts. Defaults to 0.
        cache_dir (str, optional): Where class counts are cached. Defaults to ``~/.cache/libra_plugin``.
        lr_factor (float): Multiplies the learning rate of every parameter group at the switch (the IB paper
            drops it 100×: 0.01); the scaled rate is in the optimizer's state, so a resume keeps it. Defaults to
            1.0 (unchanged).
    """

    priority = 'NORMAL'

    def __init__(self,
                 switch: str = 'loss_min',
                 at: Optional[int] = None,
                 patience: int = 200,
                 smooth: float = 0.98,
                 min_delta: float = 0.0,
                 cache_dir: Optional[str] = None,
                 lr_factor: float = 1.0) -> None:
        if switch not in SWITCHES:
            raise ValueError(f'switch must be one of {SWITCHES}, got {switch!r}')
        if switch in ('iter', 'epoch') and not (isinstance(at, int) and at >= 0):
            raise ValueError(f"at must be an integer >= 0 with switch={switch!r}, got {at!r}")
        if not (isinstance(patience, int) and patience >= 1):
            raise ValueError(f'patience must be an integer >= 1, got {patience!r}')
        if not 0 <= smooth < 1:
            raise ValueError(f'smooth must be in [0, 1), got {smooth!r}')
        if not (isinstance(lr_factor, (int, float)) and lr_factor > 0):
            raise ValueError(f'lr_factor must be a number > 0, got {lr_factor!r}')
        self.switch = switch
        self.at = at
        self.patience = patience
        self.smooth = smooth
        self.min_delta = min_delta
        self.cache_dir = cache_dir
        self.lr_factor = float(lr_factor)
        self.losses: List[IBFocalLoss] = []

    def check_schedule(self, runner) -> None:
        """A switch that could never happen in this run's schedule is an error (the run would be CE only)."""
        by_epoch = not isinstance(runner.train_loop, IterBasedTrainLoop)
        if self.switch in ('epoch', 'epoch_loss_min') and not by_epoch:
            raise ValueError(f"IBLossHook(switch={self.switch!r}) needs an epoch-based train loop, but train_cfg is "
                             f"{type(runner.train_loop).__name__}: the switch would never happen; use switch='iter' "
                             "or 'loss_min'")
        if self.switch == 'iter' and self.at > runner.max_iters:
            raise ValueError(f'IBLossHook: at={self.at} is beyond the {runner.max_iters} training iterations: the '
                             f'switch would never happen; choose at <= {runner.max_iters}')
        if self.switch == 'epoch' and self.at >= runner.max_epochs:
            raise ValueError(f'IBLossHook: at={self.at} is not a training epoch (0 to {runner.max_epochs - 1}): the '
                             f'switch would never happen; choose at < {runner.max_epochs}')

    def before_train(self, runner) -> None:
        self.check_schedule(runner)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        pairs = find_ib_losses(model)
        if not pairs:
            raise ValueError('IBLossHook found no IBFocalLoss in any decode head (loss_decode) of the model')
        for _, loss in pairs:
            loss.scheduled = True
        for head, loss in pairs:
            if isinstance(getattr(head, 'conv_seg', None), torch.nn.Module):
                loss.feature_from(head.conv_seg)
            if loss.auto_class_weight and loss.class_weight.numel() == 0:
                counts = self._shared_counts(runner, head)
                loss.set_class_weight(torch.as_tensor(inverse_frequency_weights(counts, loss.class_weight_power)))
                runner.logger.info(f'IBFocalLoss class pixel counts {counts.tolist()}, weights '
                                   f'{[round(w, 4) for w in loss.class_weight.tolist()]}')
        self.losses = [loss for _, loss in pairs]

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

    def _switch(self, runner, reason: str, done: int) -> None:
        """IB focal from the next iteration on; ``done``: the training iterations completed before it."""
        if all(loss.ib_active for loss in self.losses):
            return
        for loss in self.losses:
            loss.start_ib()
        if self.lr_factor != 1.0:
            for group in runner.optim_wrapper.param_groups:
                group['lr'] *= self.lr_factor
            reason += f'; learning rate x {self.lr_factor:g}'
        runner.message_hub.update_info('ib_switch_iter', done)
        runner.logger.info(f'IBLossHook: switching from CE to IB focal loss after iteration {done} '
                           f'({reason})')

    def before_train_epoch(self, runner) -> None:
        if self.switch == 'epoch' and runner.epoch >= self.at:
            self._switch(runner, f'epoch {runner.epoch} reached', runner.iter)  # runner.iter: iterations done

    def after_train_epoch(self, runner) -> None:
        if self.switch != 'epoch_loss_min' or all(loss.ib_active for loss in self.losses):
            return
        hub = runner.message_hub
        total, count = hub.get_info('ib_epoch_loss_sum', 0.0), hub.get_info('ib_epoch_loss_count', 0)
        hub.update_info('ib_epoch_loss_sum', 0.0)
        hub.update_info('ib_epoch_loss_count', 0)
        if count == 0:
            return
        mean, best = total / count, hub.get_info('ib_epoch_loss_best', math.inf)
        runner.logger.info(f'IBLossHook: epoch {runner.epoch} mean training loss {mean:.4f} (lowest before: '
                           f'{best:.4f})')
        if mean < best - self.min_delta:
            hub.update_info('ib_epoch_loss_best', mean)
        else:
            self._switch(runner, f'epoch {runner.epoch} mean loss {mean:.4f} not below the minimum {best:.4f} of '
                         'an earlier epoch', runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.switch == 'iter' and runner.iter + 1 >= self.at:
            self._switch(runner, f'iteration {self.at} reached', runner.iter + 1)  # this one included
        if self.switch == 'epoch_loss_min' and outputs is not None:
            hub = runner.message_hub
            hub.update_info('ib_epoch_loss_sum', hub.get_info('ib_epoch_loss_sum', 0.0) + float(outputs['loss']))
            hub.update_info('ib_epoch_loss_count', hub.get_info('ib_epoch_loss_count', 0) + 1)
        if self.switch != 'loss_min' or outputs is None or all(loss.ib_active for loss in self.losses):
            return
        hub = runner.message_hub
        value = float(outputs['loss'])
        ema = hub.get_info('ib_loss_ema')
        ema = value if ema is None else self.smooth * ema + (1 - self.smooth) * value
        best = hub.get_info('ib_loss_best', math.inf)
        since = hub.get_info('ib_loss_since_best', 0)
        if ema < best - self.min_delta:
            best, since = ema, 0
        else:
            since += 1
        hub.update_info('ib_loss_ema', ema)
        hub.update_info('ib_loss_best', best)
        hub.update_info('ib_loss_since_best', since)
        if since >= self.patience:
            self._switch(runner, f'smoothed loss {ema:.4f} not below its minimum {best:.4f} for {since} iterations',
                         runner.iter + 1)
