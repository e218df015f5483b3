"""PiCIE segmentor: the four-term loss equals PiCIE's reference (weighted CE, values and gradients), the views are
aligned, prediction gives cluster ids, missing pseudo-labels and bad arguments are clear errors."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from libra_plugin.models import PiCIE
from libra_plugin.models.necks import PiCIEFPN

K = 4


def tiny(loss=None):
    return PiCIE(
        backbone=dict(type='mmdet.ResNet', depth=18, base_channels=8, out_indices=(0, 1, 2, 3), init_cfg=None),
        neck=dict(type='libra_plugin.PiCIEFPN', in_channels=[8, 16, 32, 64], out_channels=16),
        num_clusters=K, view_size=(32, 48), loss_decode=loss or dict(type='CrossEntropyLoss'),
        data_preprocessor=dict(type='SegDataPreProcessor', mean=None, std=None, bgr_to_rgb=True))


def samples(indices):
    return [SegDataSample(metainfo=dict(sample_idx=i, img_shape=(64, 96), ori_shape=(64, 96))) for i in indices]


def clustered(model, indices, seed=0):
    g = torch.Generator().manual_seed(seed)
    centroids = F.normalize(torch.randn(2, K, 16, generator=g), dim=2)
    weights = torch.rand(2, K, generator=g) + 0.1
    weights = weights / weights.sum(1, keepdim=True)
    labels = {v: {i: torch.randint(K, (8, 12), generator=g, dtype=torch.long).to(torch.uint8) for i in indices}
              for v in (1, 2)}
    model.set_clusters(centroids, weights, labels)
    return centroids, weights, labels


def test_fpn_decoder_is_lateral_upsample_add():
    torch.manual_seed(0)
    fpn = PiCIEFPN([4, 8], out_channels=3)
    a, b = torch.randn(1, 4, 8, 8), torch.randn(1, 8, 4, 4)
    ref = fpn.laterals[0](a) + F.interpolate(fpn.laterals[1](b), size=(8, 8), mode='bilinear', align_corners=False)
    torch.testing.assert_close(fpn([a, b])[0], ref)


def test_loss_equals_picie_reference_values_and_gradients(mmseg_scope):
    torch.manual_seed(0)
    model = tiny()
    indices = [3, 7]
    centroids, weights, labels = clustered(model, indices)
    inputs = torch.rand(2, 3, 64, 96) * 255
    ours = model.loss(inputs, samples(indices))['loss_ce']
    ours.backward()
    grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    model.zero_grad()
    f1, f2 = model.view_features(inputs, indices, 1), model.view_features(inputs, indices, 2)
    l1 = torch.stack([labels[1][i] for i in indices]).long()
    l2 = torch.stack([labels[2][i] for i in indices]).long()

    def ce(f, v, lab):  # PiCIE: nn.CrossEntropyLoss(weight=counts / counts.sum()) on the centroid classifier
        return F.cross_entropy(F.conv2d(f, centroids[v][:, :, None, None]), lab, weight=weights[v])

    ref = ((ce(f1, 1, l2) + ce(f2, 0, l1)) / 2 + (ce(f1, 0, l1) + ce(f2, 1, l2)) / 2) / 2
    ref.backward()
    torch.testing.assert_close(ours, ref)
    for g, p in zip(grads, [p for p in model.parameters() if p.grad is not None]):
        torch.testing.assert_close(g, p.grad, atol=1e-6, rtol=1e-4)


def test_views_are_aligned_and_fixed_per_epoch(mmseg_scope):
    model = tiny().eval()
    inputs = torch.rand(2, 3, 64, 96) * 255
    with torch.no_grad():
        f1 = model.view_features(inputs, [0, 1], 1)
        assert f1.shape == model.view_features(inputs, [0, 1], 2).shape == (2, 16, 8, 12)
        assert torch.equal(f1, model.view_features(inputs, [0, 1], 1))
        model.set_epoch(1, 0)
        assert not torch.equal(f1, model.view_features(inputs, [0, 1], 1))
    torch.testing.assert_close(f1.norm(dim=1), torch.ones(2, 8, 12))


def test_predict_gives_cluster_ids_at_image_size(mmseg_scope):
    model = tiny().eval()
    clustered(model, [0])
    data = model.data_preprocessor(dict(inputs=[torch.randint(0, 255, (3, 64, 96), dtype=torch.uint8)],
                                        data_samples=samples([0])), False)
    with torch.no_grad():
        out = model(**data, mode='predict')
    pred = out[0].pred_sem_seg.data
    assert pred.shape == (1, 64, 96) and 0 <= pred.min() and pred.max() < K


def test_ib_focal_gets_the_embeddings(mmseg_scope):
    model = tiny(dict(type='libra_plugin.IBFocalLoss'))
    clustered(model, [0, 1])
    model.loss_decode.start_ib()
    loss = model.loss(torch.rand(2, 3, 64, 96) * 255, samples([0, 1]))['loss_ib_focal']
    assert torch.isfinite(loss) and float(model.loss_decode.alpha) > 0  # alpha 'auto' was set from the CE size


def test_errors(mmseg_scope):
    with pytest.raises(ValueError, match='num_clusters must be an integer >= 2, got 1'):
        PiCIE(backbone=dict(type='mmdet.ResNet', depth=18), neck=dict(type='libra_plugin.PiCIEFPN',
              in_channels=[64]), num_clusters=1, view_size=(8, 8), loss_decode=dict(type='CrossEntropyLoss'))
    model = tiny()
    with pytest.raises(RuntimeError, match=r"no pseudo-labels for images \[5\] of view 1: add custom_hooks="):
        model.loss(torch.rand(1, 3, 64, 96) * 255, samples([5]))
    with pytest.raises(RuntimeError, match=r'PiCIE has no clusters yet \(all centroids are 0\)'):
        model.eval()(torch.rand(1, 3, 64, 96) * 255, samples([0]), mode='predict')
    with pytest.raises(ValueError, match='view must be 1 or 2, got 3'):
        model.view_features(torch.rand(1, 3, 64, 96), [0], 3)
