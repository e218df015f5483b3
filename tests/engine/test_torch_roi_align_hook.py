"""TorchRoIAlignHook: a detector's RoI extractor gives mmcv's features and gradients through the torch RoI Align, in
both memory formats, beside ChannelsLastHook."""
import logging
from types import SimpleNamespace

import pytest
import torch
from mmcv.ops import RoIAlign

from libra_plugin.engine import ChannelsLastHook, TorchRoIAlignHook
from libra_plugin.models.layers import TorchRoIAlign


def _extractor(roi_layer=None):
    from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
    return SingleRoIExtractor(roi_layer=roi_layer or dict(type='RoIAlign', output_size=7, sampling_ratio=2),
                              out_channels=8, featmap_strides=[4, 8])


def _runner(model):
    return SimpleNamespace(model=model, logger=logging.getLogger('roi_align_hook'))


def _inputs(channels_last):
    torch.manual_seed(0)
    feats = [torch.randn(2, 8, 24, 32), torch.randn(2, 8, 12, 16)]
    if channels_last:
        feats = [f.contiguous(memory_format=torch.channels_last) for f in feats]
    rois = torch.tensor([[0, 4., 4., 60., 50.], [1, 0., 10., 120., 90.], [0, 30., 20., 40., 36.],
                         [1, 100., 60., 140., 110.]])
    return [f.requires_grad_() for f in feats], rois


@pytest.mark.parametrize('channels_last', [False, True])
def test_extractor_features_and_gradients_equal_mmcv(channels_last):
    ref, model = _extractor(), _extractor()
    hooks = [TorchRoIAlignHook()] + ([ChannelsLastHook()] if channels_last else [])
    for stage in ('before_run', 'before_train'):  # the runner's order
        for hook in hooks:
            getattr(hook, stage)(_runner(model))
    assert all(type(layer) is TorchRoIAlign for layer in model.roi_layers)
    assert not any(layer._forward_pre_hooks for layer in model.roi_layers)  # no NCHW copies for ours
    feats, rois = _inputs(False)
    cl_feats, _ = _inputs(channels_last)
    expected, got = ref(feats, rois), model(cl_feats, rois)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(expected)
    expected.backward(g)
    got.backward(g)
    for a, b in zip(feats, cl_feats):
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-5, atol=1e-5)


def test_unsupported_settings_keep_mmcv():
    model = _extractor(dict(type='RoIAlign', output_size=7, sampling_ratio=0))  # adaptive grid: mmcv's kernel
    TorchRoIAlignHook().before_run(_runner(model))
    assert all(type(layer) is RoIAlign for layer in model.roi_layers)
