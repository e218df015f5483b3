"""Every module's forward and backward with its parameters and inputs on the ``meta`` device (the input checks
switched off with ``set_finite_check(0)``): no tensor is created on another device and nothing is read on the host,
so on CUDA they run without synchronisation. The samplers' one ``nonzero`` is tested in functional/test_sampling.py;
PiCIE's k-means matching reads on the host by design."""
import pytest
import torch

from libra_plugin.models import (BFP, BalancedL1Loss, GaussianL1Loss, IBFocalLoss, LovaszHingeLoss, LovaszSoftmaxLoss,
                                 SoftmaxFocalLoss)
from libra_plugin.models.losses import set_finite_check

META = torch.device('meta')


@pytest.fixture(autouse=True)
def no_checks():
    set_finite_check(0)
    yield
    set_finite_check(1)


def leaf(*shape):
    return torch.empty(*shape, device=META, requires_grad=True)


def index(*shape):
    return torch.empty(*shape, dtype=torch.long, device=META)


@pytest.mark.parametrize('refine_type', ['conv', 'non_local'])
def test_bfp(refine_type):
    neck = BFP(8, 4, refine_level=1, refine_type=refine_type).to(META)
    xs = [leaf(2, 8, 32 // 2**i, 32 // 2**i) for i in range(4)]
    outs = neck(xs)
    sum(o.sum() for o in outs).backward()
    assert all(x.grad.device == META for x in xs)
    assert all(p.grad is not None and p.grad.device == META for p in neck.parameters())


@pytest.mark.parametrize('loss,args', [
    (BalancedL1Loss(), lambda: (leaf(16, 4), torch.empty(16, 4, device=META))),
    (GaussianL1Loss(), lambda: (leaf(16, 2), torch.empty(16, 2, device=META))),
    (LovaszHingeLoss(), lambda: (leaf(2, 1, 8, 8), index(2, 8, 8))),
    (LovaszSoftmaxLoss(per_image=True), lambda: (leaf(2, 4, 8, 8), index(2, 8, 8))),
    (SoftmaxFocalLoss(), lambda: (leaf(2, 4, 8, 8), index(2, 8, 8))),
], ids=['balanced_l1', 'gaussian_l1', 'lovasz_hinge', 'lovasz_softmax', 'softmax_focal'])
def test_losses(loss, args):
    pred, target = args()
    loss(pred, target).backward()
    assert pred.grad.device == META and pred.grad.shape == pred.shape


def test_ib_focal_after_the_switch():
    loss = IBFocalLoss(alpha=10.0, class_weight=[1.0, 2.0, 0.5]).to(META)
    loss.start()
    scores, feature = leaf(2, 3, 16, 16), leaf(2, 4, 4, 4)
    loss.set_feature(feature)
    loss(scores, index(2, 16, 16)).backward()
    assert scores.grad.device == META and feature.grad.device == META
