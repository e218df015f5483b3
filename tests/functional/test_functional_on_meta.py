"""Every public function of ``libra_plugin.functional`` runs forward and backward with its inputs on the ``meta``
device: a tensor created on another device or any read of a value on the host (``.item()``, ``bool()``, a
value-dependent Python branch: a synchronisation on CUDA) fails there. The samplers have their own such tests
(test_sampling.py); k-means and the cluster matching read values by design (Hungarian matching on the host)."""
import torch

from libra_plugin import functional as fn
from libra_plugin.functional.ib_focal import feature_l1_norm
from libra_plugin.functional.reduction import masked_mean

META = torch.device('meta')


def leaf(*shape):
    return torch.empty(*shape, device=META, requires_grad=True)


def labels(*shape, high=2):
    return torch.empty(*shape, dtype=torch.long, device=META)


def run(out, *leaves):
    assert out.device == META
    out.sum().backward()
    for t in leaves:
        assert t.grad is not None and t.grad.device == META and t.grad.shape == t.shape


def test_losses():
    pred, target = leaf(16, 4), torch.empty(16, 4, device=META)
    run(fn.balanced_l1(pred, target, beta=0.11), pred)
    run(fn.gaussian_l1(pred, target), pred)
    logits = leaf(2, 8, 8)
    run(fn.lovasz_hinge(logits, labels(2, 8, 8), torch.empty(2, 8, 8, dtype=torch.bool, device=META)), logits)
    run(fn.lovasz_hinge(logits, labels(2, 8, 8), per_image=False, reduction='none'), logits)
    probs = leaf(2, 3, 8, 8)
    run(fn.lovasz_softmax(probs, labels(2, 8, 8), classes='all', per_image=True,
                          class_weight=torch.empty(3, device=META)), probs)
    scores, feature = leaf(2, 3, 16, 16), leaf(2, 4, 4, 4)
    norm = feature_l1_norm(feature, (16, 16))
    run(masked_mean(fn.ib_focal(scores, labels(2, 16, 16), norm, gamma=1.5, class_weight=torch.empty(3, device=META)),
                    torch.empty(2, 16, 16, dtype=torch.bool, device=META)), scores, feature)
    run(fn.weight_reduce_loss(leaf(8, 4), torch.empty(8, 4, device=META), 'mean', avg_factor=3.0))


def test_pyramid_and_attention():
    levels = [leaf(1, 4, 16 // 2**i, 16 // 2**i) for i in range(4)]
    bsf = fn.integrate_levels(levels, 1)
    theta = phi = g = bsf
    refined = bsf + fn.embedded_gaussian_attention(theta, phi, g)
    outs = fn.scatter_levels(refined, levels, 1)
    run(sum(o.sum() for o in outs), *levels)
    run(fn.max_pool_to(leaf(1, 4, 15, 9), (4, 3), deterministic=True))
