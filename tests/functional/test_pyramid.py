import pytest
import torch
import torch.nn.functional as F

from libra_plugin.functional import embedded_gaussian_attention, integrate_levels, max_pool_to, scatter_levels


@pytest.mark.parametrize('src,dst', [((200, 336), (50, 84)), ((50, 84), (13, 21)), ((25, 42), (13, 21)),
                                     ((7, 9), (3, 4)), ((8, 8), (8, 8))])
def test_deterministic_max_pool_equals_adaptive(src, dst):
    torch.manual_seed(0)
    x = torch.randn(2, 3, *src, dtype=torch.float64, requires_grad=True)
    ref = F.adaptive_max_pool2d(x, dst)
    out = max_pool_to(x, dst, deterministic=True)
    grad = torch.randn_like(ref)
    assert torch.equal(out, ref)
    assert torch.equal(torch.autograd.grad(out, x, grad)[0], torch.autograd.grad(ref, x, grad)[0])


@pytest.mark.slow
def test_attention_equals_explicit_softmax():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 8, 5, 6, dtype=torch.float64, requires_grad=True) for _ in range(3))

    def explicit(q, k, v):
        attn = torch.matmul(q.flatten(2).transpose(1, 2), k.flatten(2)).softmax(-1)
        return torch.matmul(attn, v.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(v.shape)

    torch.testing.assert_close(embedded_gaussian_attention(q, k, v), explicit(q, k, v))
    assert torch.autograd.gradcheck(embedded_gaussian_attention, (q, k, v))


def test_integrate_and_scatter_by_hand():
    # two levels, refine at the small one: bsf = (maxpool(big) + small) / 2, big gets nearest(bsf) added
    big = torch.arange(16.).view(1, 1, 4, 4)
    small = torch.ones(1, 1, 2, 2)
    bsf = integrate_levels([big, small], refine_level=1)
    torch.testing.assert_close(bsf, torch.tensor([[[[3., 4.], [7., 8.]]]]))
    out_big, out_small = scatter_levels(bsf, [big, small], refine_level=1)
    torch.testing.assert_close(out_small, small + bsf)
    torch.testing.assert_close(out_big, big + bsf.repeat_interleave(2, 2).repeat_interleave(2, 3))
