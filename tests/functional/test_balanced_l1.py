import math

import pytest
import torch

from libra_plugin.functional import balanced_l1

ALPHA, GAMMA = 0.5, 1.5
B = math.expm1(GAMMA / ALPHA)  # e^3 - 1 = 19.0855...


def test_hand_values_beta_one():
    # |x| = 0.5: 0.5 / b * (0.5 b + 1) * ln(0.5 b + 1) - 0.25 = 0.400568; |x| = 2: 1.5 * 2 + 1.5 / b - 0.5 = 2.57859
    loss = balanced_l1(torch.tensor([0.0, 0.5, -2.0]), torch.zeros(3))
    torch.testing.assert_close(loss, torch.tensor([0.0, 0.400568, 2.578594]), atol=1e-5, rtol=0)


def test_is_beta_times_paper_loss_of_x_over_beta():
    x = torch.linspace(-1, 1, 201, dtype=torch.float64)
    for beta in (0.11, 0.5, 2.0):
        torch.testing.assert_close(balanced_l1(x, torch.zeros_like(x), beta=beta),
                                   beta * balanced_l1(x / beta, torch.zeros_like(x)))


@pytest.mark.parametrize('beta', [0.11, 1.0, 3.0])
def test_gradient_formula_zero_at_zero_and_continuous(beta):
    x = torch.tensor([0.0, beta * (1 - 1e-9), beta, beta * 2, -beta * 0.5], dtype=torch.float64,
                     requires_grad=True)
    balanced_l1(x, torch.zeros_like(x), beta=beta).sum().backward()
    expected = [0.0, ALPHA * math.log(B + 1), GAMMA, GAMMA, -ALPHA * math.log(B * 0.5 + 1)]
    torch.testing.assert_close(x.grad, torch.tensor(expected, dtype=torch.float64), atol=1e-7, rtol=0)


def test_legacy_beta_gradient_is_not_zero_at_zero():
    # mmdet's formula: d/dx at 0+ is alpha (1/beta - 1) = 4.045 for beta = 0.11 (mmdetection#2483)
    x = torch.tensor([1e-12], dtype=torch.float64, requires_grad=True)
    balanced_l1(x, torch.zeros_like(x), beta=0.11, legacy_beta=True).sum().backward()
    assert x.grad.item() == pytest.approx(ALPHA * (1 / 0.11 - 1), rel=1e-6)


@pytest.mark.parametrize('beta', [0.11, 1.0])
def test_gradcheck_float64(beta):
    torch.manual_seed(0)
    pred = torch.randn(40, 4, dtype=torch.float64, requires_grad=True)
    target = torch.randn(40, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p, t: balanced_l1(p, t, beta=beta), (pred, target))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_inputs_computed_in_float32(dtype):
    torch.manual_seed(0)
    pred, target = torch.randn(64, 4), torch.randn(64, 4)
    out = balanced_l1(pred.to(dtype), target.to(dtype))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, balanced_l1(pred.to(dtype).float(), target.to(dtype).float()))
