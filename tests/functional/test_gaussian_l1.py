import math

import pytest
import torch

from libra_plugin.functional import gaussian_l1


def test_hand_values():
    # d = (0.1, 0): |d| = (0.1, 0), well = 1 - exp(-0.01 / 0.01) = 0.63212 added to both coordinates
    out = gaussian_l1(torch.tensor([[0.1, 0.0]]), torch.zeros(1, 2), sigma=0.1)
    torch.testing.assert_close(out, torch.tensor([[0.1 + 0.632121, 0.632121]]), atol=1e-6, rtol=0)


def test_zero_at_target_and_l1_far_away():
    target = torch.rand(5, 4)
    assert gaussian_l1(target, target).abs().max() == 0
    far = target + 10.0
    torch.testing.assert_close(gaussian_l1(far, target, gaussian_weight=2.0), torch.full((5, 4), 12.0))


def test_gradient_by_hand():
    # d/dp_j of sum_j(|d_j| + w) over a point = sign(d_j) + D * 2 d_j / sigma^2 * exp(-|d|^2 / sigma^2)
    p = torch.tensor([[0.05, -0.02]], dtype=torch.float64, requires_grad=True)
    gaussian_l1(p, torch.zeros_like(p), sigma=0.1).sum().backward()
    e = math.exp(-(0.05**2 + 0.02**2) / 0.01)
    expected = [1 + 2 * 2 * 0.05 / 0.01 * e, -1 + 2 * 2 * -0.02 / 0.01 * e]
    torch.testing.assert_close(p.grad, torch.tensor([expected], dtype=torch.float64))


def test_gradcheck_float64():
    torch.manual_seed(0)
    pred = torch.rand(10, 4, dtype=torch.float64, requires_grad=True)
    target = torch.rand(10, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p, t: gaussian_l1(p, t, sigma=0.3, gaussian_weight=0.5), (pred, target))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_inputs_in_float32(dtype):
    out = gaussian_l1(torch.rand(4, 2).to(dtype), torch.rand(4, 2).to(dtype))
    assert out.dtype == torch.float32
