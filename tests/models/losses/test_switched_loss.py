import pytest
import torch
from mmengine.logging import MessageHub

from libra_plugin.models import SwitchedLoss
from libra_plugin.models.losses.switched_loss import NO_HOOK


def test_zero_before_the_switch_then_the_inner_loss():
    loss = SwitchedLoss(dict(type='libra_plugin.LovaszHingeLoss'))
    logits = torch.randn(2, 2, 4, 4, requires_grad=True)
    label = torch.randint(0, 2, (2, 4, 4))
    before = loss(logits, label, weight=None, ignore_index=255)
    assert before.item() == 0 and before.requires_grad  # a zero that back-propagates
    before.backward()
    assert logits.grad.abs().sum() == 0
    loss.start()
    assert torch.equal(loss(logits, label, weight=None, ignore_index=255), loss.loss(logits, label, ignore_index=255))
    assert loss.loss_name == 'loss_lovasz_hinge'  # the inner loss's key: the logged keys do not change


def test_phase_is_in_the_checkpoint():
    loss = SwitchedLoss(dict(type='libra_plugin.LovaszHingeLoss'))
    loss.start()
    restored = SwitchedLoss(dict(type='libra_plugin.LovaszHingeLoss'))
    restored.load_state_dict(loss.state_dict())
    assert restored.started


def test_bad_config_and_missing_hook():
    with pytest.raises(ValueError, match="loss must be a loss config dict with a 'type', got 'LovaszHingeLoss'"):
        SwitchedLoss('LovaszHingeLoss')
    loss = SwitchedLoss(dict(type='libra_plugin.LovaszHingeLoss'))
    hub = MessageHub.get_instance('switched_without_hook')
    hub.update_info('loop_stage', 'train')
    with pytest.raises(RuntimeError, match='SwitchedLoss is training without LossSwitchHook'):
        loss(torch.randn(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))
    assert 'LossSwitchHook' in NO_HOOK
    hub.update_info('loop_stage', None)
