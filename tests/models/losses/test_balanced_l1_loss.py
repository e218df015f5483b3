import pytest
import torch
from mmdet.models.losses import BalancedL1Loss as MMDetBalancedL1Loss

from libra_plugin.models import BalancedL1Loss


def _pair(loss_ours, loss_ref, pred, target, **kwargs):
    p1 = pred.clone().requires_grad_()
    p2 = pred.clone().requires_grad_()
    a, b = loss_ours(p1, target, **kwargs), loss_ref(p2, target, **kwargs)
    a.sum().backward()
    b.sum().backward()
    return a, b, p1.grad, p2.grad


@pytest.mark.parametrize('kwargs', [{}, dict(reduction_override='sum'), dict(reduction_override='none'),
                                    dict(avg_factor=7.0), dict(weight='w'), dict(weight='w', avg_factor=3.0)])
def test_equals_mmdet_for_beta_one(kwargs):
    torch.manual_seed(0)
    pred, target = torch.randn(300, 4) * 2, torch.randn(300, 4)
    if kwargs.get('weight') == 'w':
        kwargs['weight'] = torch.rand(300, 4)
    a, b, ga, gb = _pair(BalancedL1Loss(loss_weight=2.0), MMDetBalancedL1Loss(loss_weight=2.0), pred, target,
                         **kwargs)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(ga, gb, atol=1e-6, rtol=1e-6)


def test_legacy_beta_equals_mmdet():
    torch.manual_seed(0)
    pred, target = torch.randn(300, 4) * 0.2, torch.randn(300, 4) * 0.2
    a, b, ga, gb = _pair(BalancedL1Loss(beta=0.11, legacy_beta=True), MMDetBalancedL1Loss(beta=0.11), pred, target)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(ga, gb, atol=1e-6, rtol=1e-6)


def test_beta_small_differs_from_mmdet_only_by_its_fix():
    # ours is continuous at |x| = beta; mmdet's gradient jumps there
    x = torch.tensor([[0.11 - 1e-6, 0.11 + 1e-6, 0, 0]], dtype=torch.float64, requires_grad=True)
    BalancedL1Loss(beta=0.11, reduction='sum')(x, torch.zeros_like(x)).backward()
    assert abs(x.grad[0, 0] - x.grad[0, 1]) < 1e-4
    y = x.detach().clone().requires_grad_()
    MMDetBalancedL1Loss(beta=0.11, reduction='sum')(y, torch.zeros_like(y)).backward()
    assert abs(y.grad[0, 0] - y.grad[0, 1]) > 0.1


def test_weight_per_sample_broadcasts():
    torch.manual_seed(0)
    pred, target, w = torch.randn(10, 4), torch.randn(10, 4), torch.rand(10)
    loss = BalancedL1Loss()
    torch.testing.assert_close(loss(pred, target, w), loss(pred, target, w[:, None].expand(10, 4)))


def test_empty_input_is_zero_and_backpropagates():
    pred = torch.zeros(0, 4, requires_grad=True)
    out = BalancedL1Loss()(pred, torch.zeros(0, 4))
    out.backward()
    assert out.item() == 0 and pred.grad.shape == (0, 4)


def test_fp16_inputs_give_a_loss_in_their_dtype_computed_in_fp32():
    pred, target = torch.randn(8, 4).half(), torch.randn(8, 4).half()
    out = BalancedL1Loss()(pred, target)
    assert out.dtype == torch.float16 == MMDetBalancedL1Loss()(pred, target).dtype  # mmdet returns the input dtype
    assert out == BalancedL1Loss()(pred.float(), target.float()).half()


def test_weight_that_does_not_broadcast():  # id: weight-broadcast
    with pytest.raises(ValueError) as err:
        BalancedL1Loss()(torch.zeros(3, 4), torch.ones(3, 4), weight=torch.ones(3, 2))
    assert str(err.value) == ('weight of shape (3, 2) does not broadcast to the element-wise loss of shape (3, 4): '
                              'give one weight per element (or a broadcastable shape)')


@pytest.mark.parametrize('kwargs,message', [
    (dict(beta=0), 'beta must be a finite number > 0, got 0'),
    (dict(beta=-1.0), 'beta must be a finite number > 0, got -1.0'),
    (dict(alpha=0), 'alpha must be a finite number > 0, got 0'),
    (dict(gamma=-1.5), 'gamma must be a finite number > 0, got -1.5'),
    (dict(alpha=0.01), 'gamma / alpha = 150 makes b = e^(gamma/alpha) - 1 overflow float32 (the loss and gradients '
                       'would be NaN): keep gamma / alpha below 88.7 (the paper: 1.5 / 0.5 = 3)'),
    (dict(reduction='avg'), "reduction must be one of ('none', 'mean', 'sum'), got 'avg'"),
])
def test_bad_arguments(kwargs, message):  # ids: balanced-l1-beta-zero, balanced-l1-beta-negative, balanced-l1-alpha, balanced-l1-gamma, balanced-l1-overflow
    with pytest.raises(ValueError) as err:
        BalancedL1Loss(**kwargs)
    assert str(err.value) == message


def test_bad_call():  # id: shapes-mismatch
    loss = BalancedL1Loss()
    with pytest.raises(ValueError, match=r'pred and target must have the same shape, got \(3, 4\) and \(3, 2\)'):
        loss(torch.zeros(3, 4), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="reduction_override must be one of"):
        loss(torch.zeros(3, 4), torch.zeros(3, 4), reduction_override='max')
    with pytest.raises(ValueError, match="avg_factor can not be used with reduction='sum'"):
        loss(torch.zeros(3, 4), torch.zeros(3, 4), avg_factor=2, reduction_override='sum')


def test_avg_factor_zero_or_negative():  # id: avg-factor-zero
    loss, pred, target = BalancedL1Loss(), torch.ones(3, 4), torch.zeros(3, 4)
    with pytest.raises(ValueError) as err:  # mmdet: sum / eps, about 4e7 here
        loss(pred, target, avg_factor=0)
    assert str(err.value).startswith('avg_factor=0 but the weighted loss sums to ') and \
        'nothing to average over' in str(err.value)
    assert MMDetBalancedL1Loss()(pred, target, avg_factor=0) > 1e7
    assert loss(pred, target, weight=torch.zeros(3, 4), avg_factor=0) == 0  # an all-ignored batch
    with pytest.raises(ValueError, match='avg_factor must be >= 0 .*, got -1'):
        loss(pred, target, avg_factor=-1)


def test_empty_batch_with_avg_factor_and_sum_raises_as_mmdet():  # id: avg-factor-sum
    empty = torch.zeros(0, 4)
    with pytest.raises(ValueError, match='avg_factor can not be used with reduction='):
        MMDetBalancedL1Loss(reduction='sum')(empty, empty, avg_factor=2)
    with pytest.raises(ValueError, match="avg_factor can not be used with reduction='sum'"):
        BalancedL1Loss(reduction='sum')(empty, empty, avg_factor=2)
