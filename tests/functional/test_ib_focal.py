import pytest
import torch
import torch.nn.functional as F

from libra_plugin.functional.ib_focal import feature_l1_norm, ib_focal


def official(logits, labels, features, alpha, gamma, weight, eps=1e-3):
    """pseulki/IB-Loss IB_FocalLoss, per sample (before its mean), with the explicit one-hot gradient norm."""
    grads = torch.sum(torch.abs(F.softmax(logits, dim=1) - F.one_hot(labels, logits.shape[1])), 1)
    ib = alpha / (grads * features.reshape(-1) + eps)
    ce = F.cross_entropy(logits, labels, reduction='none', weight=weight)
    return (1 - torch.exp(-ce))**gamma * ce * ib


@pytest.mark.parametrize('gamma', [0.0, 1.0, 2.5])
def test_equals_official_values_and_gradients(gamma):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(64, 5, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 5, (64, ), generator=g)
    h = torch.rand(64, 16, generator=g, dtype=torch.float64)
    w = torch.rand(5, generator=g, dtype=torch.float64) + 0.5
    a, ha = logits.clone().requires_grad_(), h.clone().requires_grad_()
    b, hb = logits.clone().requires_grad_(), h.clone().requires_grad_()
    ours = ib_focal(a, labels, ha.abs().sum(1), alpha=1000.0, gamma=gamma, class_weight=w)
    ref = official(b, labels, hb.abs().sum(1), 1000.0, gamma, w)
    torch.testing.assert_close(ours, ref)
    ours.sum().backward()
    ref.sum().backward()
    torch.testing.assert_close(a.grad, b.grad)
    torch.testing.assert_close(ha.grad, hb.grad)


def test_without_influence_is_focal_then_ce():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 4, 3, 3, generator=g)
    labels = torch.randint(0, 4, (2, 3, 3), generator=g)
    ce = F.cross_entropy(logits, labels, reduction='none')
    torch.testing.assert_close(ib_focal(logits, labels, gamma=0.0), ce)
    torch.testing.assert_close(ib_focal(logits, labels, gamma=2.0), (1 - torch.exp(-ce))**2 * ce)


def test_gradcheck_float64_per_pixel():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 3, 2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 3, (2, 2, 2), generator=g)
    norm = torch.rand(2, 2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, n: ib_focal(x, labels, n, alpha=2.0, gamma=1.5), (logits, norm))


def test_feature_norm_equals_autograd_reference_including_zero_features():
    g = torch.Generator().manual_seed(3)
    feature = torch.randn(2, 6, 4, 4, generator=g).relu_()  # a ReLU's output: exact zeros, subgradient 0 there
    a, b = feature.clone().requires_grad_(), feature.clone().requires_grad_()
    ours = feature_l1_norm(a, (8, 8))
    ref = F.interpolate(torch.linalg.vector_norm(b, ord=1, dim=1, keepdim=True), size=(8, 8), mode='bilinear')[:, 0]
    torch.testing.assert_close(ours, ref)
    upstream = torch.randn(2, 8, 8, generator=g)
    (ours * upstream).sum().backward()
    (ref * upstream).sum().backward()
    torch.testing.assert_close(a.grad, b.grad)
    assert (a.grad[feature == 0] == 0).all()


def test_feature_norm_gradcheck_float64():
    g = torch.Generator().manual_seed(4)
    feature = torch.randn(1, 3, 2, 2, generator=g, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda h: feature_l1_norm(h, (3, 3)), (feature, ))
