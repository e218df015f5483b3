"""How often the losses check their inputs for NaN / Inf: every call (default), every N calls, or never."""
import pytest
import torch

from libra_plugin.models.losses import BalancedL1Loss, LovaszSoftmaxLoss, set_finite_check


@pytest.fixture
def every():
    yield set_finite_check
    set_finite_check(1)


def test_every_n_calls_still_catches_and_names_it(every):  # id: finite-check-every
    every(3)
    loss, good = LovaszSoftmaxLoss(), torch.zeros(1, 3, 4, 4)
    label = torch.zeros(1, 4, 4, dtype=torch.long)
    bad = good.clone()
    bad[0, 1, 2, 2] = float('nan')
    loss(good, label)
    loss(bad, label)  # folded into the device flag, read at the third call
    with pytest.raises(ValueError) as err:
        loss(good, label)
    assert str(err.value).startswith('LovaszSoftmaxLoss: cls_score contains NaN or Inf in one of its last 3 calls')
    for _ in range(3):  # the flag starts again after a read
        loss(good, label)


def test_default_every_call_and_off(every):
    pred, target = torch.tensor([[float('inf'), 0.0]]), torch.zeros(1, 2)
    with pytest.raises(ValueError, match=r'^BalancedL1Loss: pred contains NaN or Inf \(a diverged'):
        BalancedL1Loss()(pred, target)
    every(0)
    assert not torch.isfinite(BalancedL1Loss()(pred, target))  # switched off: the caller's choice
    with pytest.raises(ValueError, match=r'every must be an integer >= 0 \(0: no check\), got -1'):
        every(-1)
