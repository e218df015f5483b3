"""Switch a model's two-phase losses (``SwitchableLoss``) once, at a point of the schedule, resume-safe."""
import math
from typing import List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from libra_plugin.models.losses.base import SwitchableLoss
from libra_plugin.models.losses.switched_loss import SwitchedLoss
from libra_plugin.registry import HOOKS

SWITCHES = ('iter', 'epoch', 'loss_min', 'epoch_loss_min')


@HOOKS.register_module()
class LossSwitchHook(Hook):
    """Moves every ``SwitchedLoss`` of the model (a loss that joins the training later, e.g. the Lovász hinge after
    a CE phase) to its second phase, once, by one of four rules:

    * ``'iter'`` / ``'epoch'``: when iteration / epoch ``at`` is reached (``>=``, never ``==``: a run resumed past
      the point still switches, unlike mmdet's ``YOLOXModeSwitchHook`` before mmdet PR #10116);
    * ``'loss_min'``: when the smoothed training loss (EMA with factor ``smooth``) has not improved by more than
      ``min_delta`` for ``patience`` iterations;
    * ``'epoch_loss_min'``: after the first epoch whose mean training loss is not below the lowest epoch mean so far
      (by more than ``min_delta``), i.e. from the epoch after the minimum was seen.

    The phase is in the losses' buffers (checkpoints) and the rules' running values in the message hub (also saved),
    so a resumed run continues in the right phase and switches exactly once. A rule that cannot fire within the
    run's schedule is an error before the first iteration. ``IBLossHook`` is this hook for ``IBFocalLoss``.

    Args:
        switch (str): ``'iter'``, ``'epoch'``, ``'loss_min'`` or ``'epoch_loss_min'``. Defaults to ``'iter'``.
        at (int, optional): Iteration or epoch of the switch (``'iter'``/``'epoch'``).
        patience (int): Iterations without improvement for ``'loss_min'``. Defaults to 200.
        smooth (float): EMA factor of the loss for ``'loss_min'``, in ``[0, 1)``. Defaults to 0.98.
        min_delta (float): Smallest improvement that counts. Defaults to 0.
        lr_factor (float): Multiplies the learning rate of every parameter group at the switch (the IB paper
            drops it 100×: 0.01); the scaled rate is in the optimizer's state, so a resume keeps it. Defaults to
            1.0 (unchanged).
    """

    priority = 'NORMAL'
    message = 'switching the SwitchedLoss losses on'  # the log line of the switch
    hub_prefix = 'switch_'  # of the rules' running values in the message hub

    def __init__(self,
                 switch: str = 'iter',
                 at: Optional[int] = None,
                 patience: int = 200,
                 smooth: float = 0.98,
                 min_delta: float = 0.0,
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
        self.lr_factor = float(lr_factor)
        self.losses: List[SwitchableLoss] = []

    def find_losses(self, model: torch.nn.Module) -> List[SwitchableLoss]:
        """The losses this hook switches (every ``SwitchedLoss``); none is an error."""
        losses = [m for m in model.modules() if isinstance(m, SwitchedLoss)]
        if not losses:
            raise ValueError('LossSwitchHook found no libra_plugin.SwitchedLoss in the model: wrap the loss that '
                             "should join later, e.g. loss_decode=[dict(type='libra_plugin.SwitchedLoss', "
                             "loss=dict(type='libra_plugin.LovaszHingeLoss')), ...]")
        return losses

    def check_schedule(self, runner) -> None:
        """A switch that could never happen in this run's schedule is an error (the run would stay in phase one)."""
        name = type(self).__name__
        by_epoch = not isinstance(runner.train_loop, IterBasedTrainLoop)
        if self.switch in ('epoch', 'epoch_loss_min') and not by_epoch:
            raise ValueError(f"{name}(switch={self.switch!r}) needs an epoch-based train loop, but train_cfg is "
                             f"{type(runner.train_loop).__name__}: the switch would never happen; use switch='iter' "
                             "or 'loss_min'")
        if self.switch == 'iter' and self.at > runner.max_iters:
            raise ValueError(f'{name}: at={self.at} is beyond the {runner.max_iters} training iterations: the '
                             f'switch would never happen; choose at <= {runner.max_iters}')
        if self.switch == 'epoch' and self.at >= runner.max_epochs:
            raise ValueError(f'{name}: at={self.at} is not a training epoch (0 to {runner.max_epochs - 1}): the '
                             f'switch would never happen; choose at < {runner.max_epochs}')
        if self.switch == 'loss_min' and self.patience >= runner.max_iters - runner.iter:
            raise ValueError(f'{name}(switch=\'loss_min\'): patience={self.patience} is not below the '
                             f'{runner.max_iters - runner.iter} training iterations left, so the switch could never '
                             f'happen and the whole run would stay in its first phase; choose patience < '
                             f'{runner.max_iters - runner.iter} (a fraction of the schedule, e.g. '
                             f'{max(1, (runner.max_iters - runner.iter) // 10)})')

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self.losses = self.find_losses(model)
        self.check_schedule(runner)
        for loss in self.losses:
            loss.scheduled = True

    def _get(self, hub, key: str, default=None):
        return hub.get_info(self.hub_prefix + key, default)

    def _set(self, hub, key: str, value) -> None:
        hub.update_info(self.hub_prefix + key, value)

    def _all_started(self) -> bool:
        return all(loss.started for loss in self.losses)

    def _switch(self, runner, reason: str, done: int) -> None:
        """The second phase from the next iteration on; ``done``: the training iterations completed before it."""
        if self._all_started():
            return
        for loss in self.losses:
            loss.start()
        if self.lr_factor != 1.0:
            for group in runner.optim_wrapper.param_groups:
                group['lr'] *= self.lr_factor
            reason += f'; learning rate x {self.lr_factor:g}'
        self._set(runner.message_hub, 'switch_iter', done)
        runner.logger.info(f'{type(self).__name__}: {self.message} after iteration {done} ({reason})')

    def before_train_epoch(self, runner) -> None:
        if self.switch == 'epoch' and runner.epoch >= self.at:
            self._switch(runner, f'epoch {runner.epoch} reached', runner.iter)  # runner.iter: iterations done

    def after_train_epoch(self, runner) -> None:
        if self.switch != 'epoch_loss_min' or self._all_started():
            return
        hub = runner.message_hub
        total, count = self._get(hub, 'epoch_loss_sum', 0.0), self._get(hub, 'epoch_loss_count', 0)
        self._set(hub, 'epoch_loss_sum', 0.0)
        self._set(hub, 'epoch_loss_count', 0)
        if count == 0:
            return
        mean, best = total / count, self._get(hub, 'epoch_loss_best', math.inf)
        runner.logger.info(f'{type(self).__name__}: epoch {runner.epoch} mean training loss {mean:.4f} (lowest '
                           f'before: {best:.4f})')
        if mean < best - self.min_delta:
            self._set(hub, 'epoch_loss_best', mean)
        else:
            self._switch(runner, f'epoch {runner.epoch} mean loss {mean:.4f} not below the minimum {best:.4f} of '
                         'an earlier epoch', runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.switch == 'iter' and runner.iter + 1 >= self.at:
            self._switch(runner, f'iteration {self.at} reached', runner.iter + 1)  # this one included
        if self.switch == 'epoch_loss_min' and outputs is not None:
            hub = runner.message_hub
            self._set(hub, 'epoch_loss_sum', self._get(hub, 'epoch_loss_sum', 0.0) + float(outputs['loss']))
            self._set(hub, 'epoch_loss_count', self._get(hub, 'epoch_loss_count', 0) + 1)
        if self.switch != 'loss_min' or outputs is None or self._all_started():
            return
        hub = runner.message_hub
        value = float(outputs['loss'])
        ema = self._get(hub, 'loss_ema')
        ema = value if ema is None else self.smooth * ema + (1 - self.smooth) * value
        best = self._get(hub, 'loss_best', math.inf)
        since = self._get(hub, 'loss_since_best', 0)
        if ema < best - self.min_delta:
            best, since = ema, 0
        else:
            since += 1
        self._set(hub, 'loss_ema', ema)
        self._set(hub, 'loss_best', best)
        self._set(hub, 'loss_since_best', since)
        if since >= self.patience:
            self._switch(runner, f'smoothed loss {ema:.4f} not below its minimum {best:.4f} for {since} iterations',
                         runner.iter + 1)
