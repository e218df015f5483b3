"""The pure-torch RoI Align against mmcv's CPU kernel: values and gradients, at the borders too."""
import pytest
import torch

from libra_plugin.functional.roi_align import roi_align


def _case(seed=0, b=2, c=5, h=9, w=11, k=40):
    g = torch.Generator().manual_seed(seed)
    feat = torch.randn(b, c, h, w, generator=g, dtype=torch.float64)
    xy = torch.rand(k, 2, generator=g, dtype=torch.float64) * torch.tensor([w * 4.0, h * 4.0]) - 8
    wh = torch.rand(k, 2, generator=g, dtype=torch.float64) * 30
    rois = torch.cat([torch.randint(0, b, (k, 1), generator=g).double(), xy, xy + wh], 1)
    rois[0, 1:] = torch.tensor([-30.0, -30.0, -10.0, -10.0])  # wholly outside: zeros
    rois[1, 1:] = torch.tensor([w * 4.0 - 6, h * 4.0 - 6, w * 4.0 + 3, h * 4.0 + 3])  # over the far border
    rois[2, 1:] = torch.tensor([5.0, 5.0, 5.0, 5.0])  # zero size
    return feat, rois


@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('sampling_ratio', [1, 2, 3])
def test_equals_mmcv_values_and_gradients(aligned, sampling_ratio):
    from mmcv.ops import RoIAlign
    feat, rois = _case()
    layer = RoIAlign((7, 6), 0.25, sampling_ratio, aligned=aligned)
    ref_in = feat.float().clone().requires_grad_()
    ours_in = feat.float().clone().requires_grad_()
    ref = layer(ref_in, rois.float())
    ours = roi_align(ours_in, rois.float(), (7, 6), 0.25, sampling_ratio, aligned)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)
    grad = torch.randn_like(ref)
    ref.backward(grad)
    ours.backward(grad)
    torch.testing.assert_close(ours_in.grad, ref_in.grad, rtol=1e-5, atol=1e-5)
    assert ours[0].abs().max() == 0  # the RoI off the map


def test_channels_last_input_and_float64_gradcheck():
    feat, rois = _case(seed=1, k=6)
    plain = roi_align(feat, rois, (3, 3), 0.25, 2)
    torch.testing.assert_close(roi_align(feat.to(memory_format=torch.channels_last), rois, (3, 3), 0.25, 2), plain)
    feat = feat[:, :2].clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda f: roi_align(f, rois, (3, 3), 0.25, 2), (feat, ))


def test_argument_errors():
    feat, rois = _case(k=3)
    with pytest.raises(ValueError, match=r'features must be \(B, C, H, W\), got shape \(5, 9, 11\)'):
        roi_align(feat[0], rois, (2, 2))
    with pytest.raises(ValueError, match=r'rois must be \(K, 5\) rows'):
        roi_align(feat, rois[:, :4], (2, 2))
    with pytest.raises(ValueError, match='sampling_ratio must be an integer > 0 \\(a fixed grid\\), got 0'):
        roi_align(feat, rois, (2, 2), sampling_ratio=0)
    bad = rois.clone()
    bad[0, 3] = bad[0, 1] - 1
    with pytest.raises(ValueError, match='rois must have x2 >= x1 and y2 >= y1'):
        roi_align(feat, bad, (2, 2))
