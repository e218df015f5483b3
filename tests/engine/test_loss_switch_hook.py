"""LossSwitchHook: the rules fire once, a resume on either side of the switch ends where an uninterrupted run ends."""
import logging

import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from libra_plugin.engine import LossSwitchHook
from libra_plugin.models import SwitchedLoss


class Toy(BaseModel):
    """A linear regressor whose second loss (Balanced L1) joins at the switch."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc = torch.nn.Linear(4, 2)
        self.extra = SwitchedLoss(dict(type='libra_plugin.BalancedL1Loss'))

    def forward(self, inputs, target, mode='loss'):
        out = self.fc(inputs)
        return dict(loss_main=F.mse_loss(out, target), loss_extra=self.extra(out, target))


def _data():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(16, 4, generator=g)
    items = [dict(inputs=x[i], target=torch.stack([x[i].sum(), 3 * x[i, 0]])) for i in range(16)]
    return DataLoader(items, batch_size=2, shuffle=False)


def _train(work, name, max_iters=8, resume_from=None, switch=None):
    runner = Runner(model=Toy(), work_dir=str(work), experiment_name=name, train_dataloader=_data(),
                    train_cfg=dict(by_epoch=False, max_iters=max_iters),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
                    custom_hooks=[switch or dict(type='libra_plugin.LossSwitchHook', switch='iter', at=4)],
                    default_hooks=dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2),
                                       logger=dict(type='LoggerHook', interval=1)),
                    load_from=resume_from, resume=resume_from is not None, log_level=logging.INFO)
    runner.train()
    return runner


def _switches(runner):
    with open(runner.logger.log_file) as f:
        return f.read().count('switching the SwitchedLoss losses on')


@pytest.mark.parametrize('ckpt', [2, 6])  # before and after the switch at iteration 4
def test_resume_on_either_side_of_the_switch_matches_an_uninterrupted_run(tmp_path, ckpt):
    ref = _train(tmp_path / 'ref', f'ref{ckpt}')
    assert _switches(ref) == 1 and ref.model.extra.started
    resumed = _train(tmp_path / 'resumed', f'resumed{ckpt}', resume_from=str(tmp_path / 'ref' / f'iter_{ckpt}.pth'))
    assert resumed.model.extra.started
    assert _switches(resumed) == (1 if ckpt < 4 else 0)  # exactly once over both runs
    for a, b in zip(ref.model.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_switch_changes_the_training(tmp_path):
    """The wiring: with the switch beyond the schedule's end the run differs (the second loss never joins)."""
    switched = _train(tmp_path / 'a', 'a')
    never = _train(tmp_path / 'b', 'b', switch=dict(type='libra_plugin.LossSwitchHook', switch='iter', at=8))
    assert not never.model.extra.started or _switches(never) == 1
    assert not torch.equal(switched.model.fc.weight, never.model.fc.weight)


def test_patience_that_cannot_end_within_the_run_is_an_error(tmp_path):  # id: switch-patience-too-long
    from mmengine.logging import MessageHub
    try:
        with pytest.raises(ValueError, match=r"LossSwitchHook\(switch='loss_min'\): patience=200 is not below the 8 "
                                             'training iterations left'):
            _train(tmp_path, 'p', switch=dict(type='libra_plugin.LossSwitchHook', switch='loss_min'))
    finally:  # the run stopped before training: its hub still says it trains
        MessageHub.get_current_instance().pop_info('loop_stage', None)


def test_no_switched_loss_is_an_error():
    from types import SimpleNamespace
    with pytest.raises(ValueError, match='LossSwitchHook found no libra_plugin.SwitchedLoss in the model'):
        LossSwitchHook(switch='iter', at=1).before_train(SimpleNamespace(model=torch.nn.Linear(2, 2)))
