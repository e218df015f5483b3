import pytest
import torch
import torch.nn.functional as F

from libra_plugin.models import SoftmaxFocalLoss


def _batch():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 3, (2, 5, 5))
    y[0, :2] = 255  # void
    return x, y


def test_class_weighted_ce_equals_torch_weighted_cross_entropy():
    """gamma 0 with class_weight is torch's F.cross_entropy(weight=w, ignore_index=255): values and gradients."""
    x, y = _batch()
    w = [0.25, 1.0, 3.0]
    ours = SoftmaxFocalLoss(gamma=0.0, class_weight=w)(x, y, ignore_index=255)
    ref = F.cross_entropy(x, y, weight=torch.tensor(w, dtype=torch.float64), ignore_index=255)
    torch.testing.assert_close(ours, ref)
    g_ours, = torch.autograd.grad(ours, x)
    g_ref, = torch.autograd.grad(ref, x)
    torch.testing.assert_close(g_ours, g_ref)


def test_class_weighted_focal_is_alpha_balanced_and_gradchecks():
    """w_y (1 - p_y)^γ CE per pixel, divided by Σ w_y (derivation: the weighted mean of the focal terms)."""
    x, y = _batch()
    w = torch.tensor([0.25, 1.0, 3.0], dtype=torch.float64)
    valid = y != 255
    yy = torch.where(valid, y, 0)
    logp = F.log_softmax(x, 1).gather(1, yy[:, None])[:, 0]
    terms = w[yy] * (1 - logp.exp()) ** 2 * (-logp)
    expected = torch.where(valid, terms, 0).sum() / w[yy][valid].sum()
    loss = SoftmaxFocalLoss(gamma=2.0, class_weight=w.tolist())
    torch.testing.assert_close(loss(x, y, ignore_index=255), expected)
    assert torch.autograd.gradcheck(lambda t: loss(t, y, ignore_index=255), (x, ))


def test_class_weight_errors():
    with pytest.raises(ValueError, match=r'class_weight must be a list of finite weights >= 0, not all 0, got \[-1\.0'):
        SoftmaxFocalLoss(class_weight=[-1.0, 1.0])
    with pytest.raises(ValueError, match='class_weight has 2 entries but the head predicts 3 classes'):
        SoftmaxFocalLoss(class_weight=[1.0, 1.0])(*_batch())
