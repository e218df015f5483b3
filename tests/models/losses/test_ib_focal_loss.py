import pytest
import torch
import torch.nn.functional as F

from libra_plugin.functional.ib_focal import ib_focal
from libra_plugin.models import IBFocalLoss


def _batch(seed=0, b=2, c=4, h=8, w=8):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, c, h, w, generator=g)
    label = torch.randint(0, c, (b, h, w), generator=g)
    label[:, 0] = 255
    feature = torch.randn(b, 6, h // 2, w // 2, generator=g)
    return logits, label, feature


def test_before_switch_is_mmseg_cross_entropy():
    logits, label, _ = _batch()
    loss = IBFocalLoss()
    expected = F.cross_entropy(logits, label, ignore_index=255, reduction='sum') / label.numel()
    torch.testing.assert_close(loss(logits, label), expected)
    avg = IBFocalLoss(avg_non_ignore=True)(logits, label)
    torch.testing.assert_close(avg, F.cross_entropy(logits, label, ignore_index=255))


def test_after_switch_equals_function_with_upsampled_feature_norm():
    logits, label, feature = _batch()
    loss = IBFocalLoss(alpha=50.0, gamma=2.0, class_weight=[1.0, 2.0, 0.5, 1.0])
    loss.start()
    loss.set_feature(feature)
    out = loss(logits, label)
    norm = F.interpolate(feature.abs().sum(1, keepdim=True), size=(8, 8), mode='bilinear')[:, 0]
    valid = label != 255
    ref = ib_focal(logits, torch.where(valid, label, 0), norm, 50.0, 2.0, torch.tensor([1.0, 2.0, 0.5, 1.0]))
    torch.testing.assert_close(out, (ref * valid).sum() / label.numel())
    assert loss.feature is None  # consumed: never reused for another batch


def test_auto_alpha_keeps_the_loss_size_at_the_switch_then_stays():
    logits, label, feature = _batch()
    loss = IBFocalLoss(alpha='auto')
    ce = loss(logits, label)
    loss.start()
    loss.set_feature(feature)
    torch.testing.assert_close(loss(logits, label), ce)
    alpha = loss.alpha.clone()
    assert alpha > 0
    logits2, label2, feature2 = _batch(seed=1)
    loss.set_feature(feature2)
    loss(logits2, label2)
    assert torch.equal(loss.alpha, alpha)
    restored = IBFocalLoss(alpha='auto')
    restored.load_state_dict(loss.state_dict())  # what a resume does
    assert bool(restored.active) and torch.equal(restored.alpha, alpha)
    assert restored.started  # the host's copy, read once at load: no device read per call
    loss.set_feature(feature2)
    restored.set_feature(feature2)
    expected = loss(logits2, label2)
    torch.testing.assert_close(restored(logits2, label2), expected)  # the same phase and alpha after the resume


def test_all_ignored_is_zero_with_gradient():
    logits, label, feature = _batch()
    x = logits.clone().requires_grad_()
    loss = IBFocalLoss(alpha=10.0)
    loss.start()
    loss.set_feature(feature)
    out = loss(x, torch.full_like(label, 255))
    out.backward()
    assert out.item() == 0 and torch.isfinite(x.grad).all()


def test_missing_features_is_an_error_not_a_fallback():
    logits, label, _ = _batch()
    loss = IBFocalLoss()
    loss.start()
    with pytest.raises(ValueError, match=r"IBFocalLoss received no features: add custom_hooks=\[dict\("
                                         r"type='libra_plugin.IBLossHook'\)\]"):
        loss(logits, label)


@pytest.mark.parametrize('kwargs,message', [
    (dict(alpha=0), "alpha must be a finite number > 0 or 'auto', got 0"),
    (dict(alpha='big'), "alpha must be a finite number > 0 or 'auto', got 'big'"),
    (dict(gamma=-1), 'gamma must be a finite number >= 0, got -1'),
    (dict(eps=0), 'eps must be > 0, got 0'),
    (dict(class_weight='inverse'), "class_weight must be a list of floats, 'auto' or None, got 'inverse'"),
    (dict(loss_name='ib'), "loss_name must start with 'loss_' (mmseg logs only such keys), got 'ib'"),
])
def test_bad_arguments(kwargs, message):  # ids: ib-focal-alpha, ib-focal-gamma
    with pytest.raises(ValueError) as err:
        IBFocalLoss(**kwargs)
    assert str(err.value) == message


def test_label_values_outside_the_classes_are_named():  # id: labels-outside-classes
    logits, label, _ = _batch(c=3)
    label[0, 1, 1] = 7
    with pytest.raises(ValueError) as err:
        IBFocalLoss()(logits, label)
    assert str(err.value) == 'IBFocalLoss got labels outside [0, 2] that are not ignore_index=255: [7]'


def test_class_weight_size_mismatch():
    logits, label, _ = _batch()
    with pytest.raises(ValueError, match='class_weight has 2 entries but the head predicts 4 classes'):
        IBFocalLoss(class_weight=[1.0, 2.0])(logits, label)


def test_feature_from_a_module_is_its_input_once_per_forward():
    logits, label, feature = _batch()
    loss = IBFocalLoss(alpha=5.0)
    loss.start()
    conv = torch.nn.Conv2d(6, 4, 1)
    handle = loss.feature_from(conv)
    conv(feature)
    assert loss.feature is feature
    expected = loss(logits, label)
    assert loss.feature is None
    loss.set_feature(feature)
    torch.testing.assert_close(loss(logits, label), expected)
    handle.remove()
    conv(feature)
    assert loss.feature is None


def test_set_feature_needs_a_4d_tensor():  # id: ib-feature-shape
    with pytest.raises(ValueError) as err:
        IBFocalLoss().set_feature(torch.zeros(2, 6, 4))
    assert str(err.value) == 'IBFocalLoss.set_feature expects a (B, D, h, w) or (N, D) tensor, got shape (2, 6, 4)'
    with pytest.raises(ValueError, match=r'expects a \(B, D, h, w\) or \(N, D\) tensor, got None'):
        IBFocalLoss().set_feature(None)


def test_counted_class_weight_loads_into_a_fresh_auto_loss():
    """A test run builds the loss without the hook (no count): the checkpoint's counted ``w_c`` loads, whole."""
    trained = IBFocalLoss(class_weight='auto')
    trained.set_class_weight(torch.tensor([0.5, 1.0, 1.5]))
    fresh = IBFocalLoss(class_weight='auto')
    fresh.load_state_dict(trained.state_dict())  # strict: a size mismatch would raise
    assert torch.equal(fresh.class_weight, torch.tensor([0.5, 1.0, 1.5]))
    fixed = IBFocalLoss(class_weight=[1.0, 2.0])
    with pytest.raises(RuntimeError, match='size mismatch for class_weight'):
        fixed.load_state_dict(trained.state_dict())
