"""PiCIE segmentor: the four-term loss equals PiCIE's reference (weighted CE, values and gradients), the views are
aligned, prediction gives cluster ids, missing pseudo-labels and bad arguments are clear errors."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from libra_plugin.models import PiCIE
from libra_plugin.models.necks import PiCIEFPN

from picie_helpers import K, clustered, samples, tiny  # noqa: E402  (tests/ is on the path)


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


def test_views_are_aligned_through_the_crop_of_the_image_and_of_the_features(mmseg_scope):
    """With a pointwise embedding and no photometric change, view 1 (crop/flip of the image) and view 2 (crop/flip
    of the feature map) agree up to resampling on a smooth image; leaving either crop out breaks the agreement."""
    model = tiny(views=dict(p_jitter=0.0, p_grey=0.0, p_blur=0.0, crop_scale=(0.5, 0.6))).eval()
    pointwise = torch.nn.Conv2d(3, 16, 1)
    model.embed = lambda x01: pointwise((x01 - model.mean) / model.std)
    g = torch.Generator().manual_seed(0)
    smooth = F.interpolate(torch.rand(3, 3, 4, 6, generator=g), size=(64, 96), mode='bilinear',
                           align_corners=False) * 255
    with torch.no_grad():
        f1, f2 = model.view_features(smooth, [0, 1, 2], 1), model.view_features(smooth, [0, 1, 2], 2)
        whole = F.normalize(pointwise((F.interpolate(smooth / 255, size=(32, 48), mode='bilinear',
                                                     align_corners=False) - model.mean) / model.std), dim=1)
    assert (f1 - f2).abs().max() < 0.05
    assert (f1 - whole).abs().max() > 0.2  # view 2 without its crop would not match view 1


def test_views_are_fixed_per_epoch(mmseg_scope):
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
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])[0]

        def nearest(c):
            return F.interpolate(F.conv2d(feats, c[:, :, None, None]), size=(64, 96), mode='bilinear',
                                 align_corners=False).argmax(1)
    assert torch.equal(pred, nearest(model.eval_centroids))  # the evaluation clusters, not a view's
    assert not torch.equal(pred, nearest(model.centroids[0])) and not torch.equal(pred, nearest(model.centroids[1]))


def test_pred_shape_img_shape_scores_at_the_crop(mmseg_scope):
    model = tiny(test_cfg=dict(pred_shape='img_shape')).eval()
    clustered(model, [0])
    meta = dict(sample_idx=0, img_shape=(64, 96), ori_shape=(480, 640))  # a crop of a larger image
    data = model.data_preprocessor(dict(inputs=[torch.randint(0, 255, (3, 64, 96), dtype=torch.uint8)],
                                        data_samples=[SegDataSample(metainfo=meta)]), False)
    with torch.no_grad():
        assert model(**data, mode='predict')[0].pred_sem_seg.data.shape == (1, 64, 96)
    with pytest.raises(ValueError, match="test_cfg.pred_shape must be 'ori_shape' or 'img_shape', got 'crop'"):
        tiny(test_cfg=dict(pred_shape='crop'))


def test_ib_focal_gets_the_embeddings(mmseg_scope):
    model = tiny(dict(type='libra_plugin.IBFocalLoss'))
    clustered(model, [0, 1])
    model.loss_decode.start()
    loss = model.loss(torch.rand(2, 3, 64, 96) * 255, samples([0, 1]))['loss_ib_focal']
    assert torch.isfinite(loss) and float(model.loss_decode.alpha) > 0  # alpha 'auto' was set from the CE size


def test_errors(mmseg_scope):
    with pytest.raises(ValueError, match='num_clusters must be an integer >= 2, got 1'):
        PiCIE(backbone=dict(type='mmdet.ResNet', depth=18), neck=dict(type='libra_plugin.PiCIEFPN',
              in_channels=[64]), num_clusters=1, view_size=(8, 8), loss_decode=dict(type='CrossEntropyLoss'))
    model = tiny()
    with pytest.raises(RuntimeError, match=r"no pseudo-labels for images \[5\] of view 1: add custom_hooks="):
        model.loss(torch.rand(1, 3, 64, 96) * 255, samples([5]))
    with pytest.raises(RuntimeError, match=r'PiCIE has no evaluation clusters yet \(all 0\): evaluate with'):
        model.eval()(torch.rand(1, 3, 64, 96) * 255, samples([0]), mode='predict')
    with pytest.raises(ValueError, match='view must be 1 or 2, got 3'):
        model.view_features(torch.rand(1, 3, 64, 96), [0], 3)
