import pytest
import torch

from libra_plugin.functional.lovasz import lovasz_hinge, lovasz_softmax


def _grad(gt_sorted):
    """Reference gradient of the Lovász extension (Berman et al., Alg. 1)."""
    gts = gt_sorted.sum()
    inter = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    jac = 1 - inter / union
    jac[1:] = jac[1:] - jac[:-1].clone()
    return jac


def ref_hinge_flat(logits, labels):
    if labels.numel() == 0:
        return None
    errors = 1 - logits * (2 * labels - 1)
    errors_sorted, perm = torch.sort(errors, descending=True)
    return torch.dot(errors_sorted.clamp_min(0), _grad(labels[perm]))


def ref_hinge(logits, labels, valid, per_image):
    if not per_image:
        return ref_hinge_flat(logits[valid], labels[valid])
    losses = [ref_hinge_flat(lg[v], lb[v]) for lg, lb, v in zip(logits, labels, valid)]
    losses = [x for x in losses if x is not None]  # an image with no valid pixel is left out of the mean
    return torch.stack(losses).mean()


def ref_softmax(probs, labels, valid, classes='present'):
    p = probs.permute(0, 2, 3, 1).reshape(-1, probs.shape[1])[valid.reshape(-1)]
    lab = labels.reshape(-1)[valid.reshape(-1)]
    losses = []
    for c in range(probs.shape[1]):
        fg = (lab == c).double()
        if classes == 'present' and fg.sum() == 0:
            continue
        errors = (fg - p[:, c]).abs()
        errors_sorted, perm = torch.sort(errors, descending=True)
        losses.append(torch.dot(errors_sorted, _grad(fg[perm])))
    return torch.stack(losses).mean()


def _data(seed=0, b=3, h=5, w=7, ignore=True):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, h, w, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 2, (b, h, w), generator=g).double()
    valid = torch.rand(b, h, w, generator=g) > 0.3 if ignore else torch.ones(b, h, w, dtype=torch.bool)
    return logits, labels, valid


@pytest.mark.parametrize('per_image', [True, False])
@pytest.mark.parametrize('ignore', [True, False])
def test_hinge_equals_reference_values_and_gradients(per_image, ignore):
    logits, labels, valid = _data(ignore=ignore)
    a = logits.clone().requires_grad_()
    b = logits.clone().requires_grad_()
    ours = lovasz_hinge(a, labels, valid, per_image=per_image)
    ref = ref_hinge(b, labels, valid, per_image)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours, ref, atol=1e-10, rtol=0)
    torch.testing.assert_close(a.grad, b.grad, atol=1e-10, rtol=0)


def test_hinge_image_without_valid_pixel_is_left_out():
    logits, labels, valid = _data()
    valid[1] = False
    torch.testing.assert_close(lovasz_hinge(logits, labels, valid), ref_hinge(logits, labels, valid, True))


def test_hinge_all_ignored_is_zero_with_gradient():
    logits = torch.randn(2, 4, 4, requires_grad=True)
    out = lovasz_hinge(logits, torch.ones(2, 4, 4), torch.zeros(2, 4, 4, dtype=torch.bool))
    out.backward()
    assert out.item() == 0 and torch.equal(logits.grad, torch.zeros_like(logits))


def test_hinge_binary_weights_equal_ignore():
    logits, labels, valid = _data()
    torch.testing.assert_close(lovasz_hinge(logits, labels, weight=valid.double()),
                               lovasz_hinge(logits, labels, valid))


def test_hinge_perfect_prediction_is_zero():
    labels = torch.randint(0, 2, (2, 6, 6)).double()
    assert lovasz_hinge((2 * labels - 1) * 3, labels).item() == 0


def test_hinge_gradcheck_float64():
    logits, labels, valid = _data(b=2, h=3, w=4)
    weight = torch.rand(2, 3, 4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: lovasz_hinge(x, labels, valid, weight), (logits.requires_grad_(), ))


@pytest.mark.parametrize('classes', ['present', 'all'])
def test_softmax_equals_reference(classes):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 5, 6, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 3, (2, 5, 6), generator=g)  # class 3 absent
    valid = torch.rand(2, 5, 6, generator=g) > 0.2
    a = logits.clone().requires_grad_()
    b = logits.clone().requires_grad_()
    ours = lovasz_softmax(a.softmax(1), labels, valid, classes=classes)
    ref = ref_softmax(b.softmax(1), labels, valid, classes)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours, ref, atol=1e-10, rtol=0)
    torch.testing.assert_close(a.grad, b.grad, atol=1e-10, rtol=0)


def test_softmax_per_image_is_mean_of_images():
    g = torch.Generator().manual_seed(1)
    probs = torch.randn(3, 4, 5, 6, generator=g, dtype=torch.float64).softmax(1)
    labels = torch.randint(0, 4, (3, 5, 6), generator=g)
    each = torch.stack([lovasz_softmax(probs[i:i + 1], labels[i:i + 1]) for i in range(3)])
    torch.testing.assert_close(lovasz_softmax(probs, labels, per_image=True), each.mean())
    only = lovasz_softmax(probs, labels, classes=[1, 2])
    assert torch.isfinite(only)
