import pytest
import torch

from libra_plugin.functional import gaussian_l1
from libra_plugin.models import GaussianL1Loss


def test_function_equals_module_with_weights_and_reductions():
    torch.manual_seed(0)
    pred, target, w = torch.rand(20, 4), torch.rand(20, 4), torch.rand(20, 4)
    elementwise = gaussian_l1(pred, target, sigma=0.2, gaussian_weight=0.5)
    loss = GaussianL1Loss(sigma=0.2, gaussian_weight=0.5, loss_weight=3.0)
    torch.testing.assert_close(loss(pred, target), 3.0 * elementwise.mean())
    torch.testing.assert_close(loss(pred, target, w, reduction_override='sum'), 3.0 * (elementwise * w).sum())
    torch.testing.assert_close(loss(pred, target, w, avg_factor=5.0), 3.0 * (elementwise * w).sum() / 5.0)
    torch.testing.assert_close(loss(pred, target, w[:, 0]), loss(pred, target, w[:, :1].expand(20, 4)))
    assert loss(pred, target, reduction_override='none').shape == (20, 4)


def test_mean_is_mae_plus_well_per_item():
    # the reference loss: MAE over the coordinates of a point plus lambda * (1 - exp(-|p - t|^2 / sigma^2))
    torch.manual_seed(0)
    pred, target = torch.rand(50, 2), torch.rand(50, 2)
    d = pred - target
    expected = (d.abs().mean(1) + 1 - torch.exp(-(d**2).sum(1) / 0.1**2)).mean()
    torch.testing.assert_close(GaussianL1Loss(sigma=0.1)(pred, target), expected)


def test_zero_gaussian_weight_is_l1():
    pred, target = torch.rand(8, 2), torch.rand(8, 2)
    torch.testing.assert_close(GaussianL1Loss(gaussian_weight=0)(pred, target), (pred - target).abs().mean())


def test_empty_input():
    pred = torch.zeros(0, 2, requires_grad=True)
    out = GaussianL1Loss()(pred, torch.zeros(0, 2))
    out.backward()
    assert out.item() == 0


def test_one_dimensional_input_is_an_error():  # id: gaussian-1d
    with pytest.raises(ValueError, match=r'gaussian_l1: pred must be \(\.\.\., D\), the D coordinates of one item last, '
                                         r'got shape \(5,\): a 1-d tensor would be one 5-dimensional point'):
        GaussianL1Loss()(torch.zeros(5), torch.ones(5))


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_input(bad):
    pred = torch.tensor([[0.1, bad]])
    with pytest.raises(ValueError) as err:
        GaussianL1Loss()(pred, torch.zeros(1, 2))
    assert str(err.value) == ('GaussianL1Loss: pred contains NaN or Inf (a diverged model or corrupt input); lower the '
                              'learning rate or clip gradients (optim_wrapper.clip_grad)')
    with pytest.raises(ValueError, match='target contains NaN or Inf'):
        GaussianL1Loss()(torch.zeros(1, 2), pred)


@pytest.mark.parametrize('kwargs,message', [
    (dict(sigma=0), 'sigma must be a finite number > 0, got 0'),
    (dict(sigma=-0.1), 'sigma must be a finite number > 0, got -0.1'),
    (dict(sigma=float('inf')), 'sigma must be a finite number > 0, got inf'),
    (dict(sigma=1e-20), "sigma=1e-20 is too small: 1 / sigma^2 overflows float32 and the gradient at zero error is "
                        "NaN; sigma is the width of the well in the coordinates' units (the MSE trap: 0.1)"),
    (dict(gaussian_weight=-1), 'gaussian_weight must be >= 0, got -1'),
    (dict(reduction='avg'), "reduction must be one of ('none', 'mean', 'sum'), got 'avg'"),
])
def test_bad_arguments(kwargs, message):  # id: gaussian-sigma
    with pytest.raises(ValueError) as err:
        GaussianL1Loss(**kwargs)
    assert str(err.value) == message


def test_builds_as_mmdet_bbox_loss():
    from mmdet.registry import MODELS
    loss = MODELS.build(dict(type='libra_plugin.GaussianL1Loss', sigma=0.05, loss_weight=2.0))
    assert isinstance(loss, GaussianL1Loss) and loss.sigma == 0.05
