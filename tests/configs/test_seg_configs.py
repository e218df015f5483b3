"""Every segmentation config builds and runs one training step (and one inference step) on real CamVid images."""
import glob
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import libra_plugin  # noqa: F401
from libra_plugin.engine.ib_loss_hook import find_ib_losses

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'lovasz', '*.py'))
                     + glob.glob(osp.join(REPO, 'configs', 'ib_focal', '*camvid*.py')))


@pytest.mark.slow
@pytest.mark.parametrize('path', SEG_CONFIGS, ids=[osp.basename(p) for p in SEG_CONFIGS])
def test_seg_config_one_step(path, camvid_root, monkeypatch, mmseg_scope):
    from mmseg.registry import DATASETS, MODELS
    monkeypatch.setenv('CAMVID_ROOT', camvid_root)
    cfg = Config.fromfile(path)
    if cfg.model.backbone.type == 'ResNetV1c':  # GPU variants: a ResNet-18 stands in for the R-50 (no download)
        cfg.model.pretrained = None
        cfg.model.backbone.depth = 18
        cfg.model.decode_head.update(in_channels=512, c1_in_channels=64)
        cfg.model.auxiliary_head.in_channels = 256
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = [dataset[i] for i in range(2)]
    data = model.data_preprocessor(dict(inputs=[b['inputs'] for b in batch],
                                        data_samples=[b['data_samples'] for b in batch]), True)
    for head, loss, _ in find_ib_losses(model):  # what IBLossHook does, switched on at once
        loss.feature_from(head.conv_seg)
        loss.set_class_weight(torch.ones(head.num_classes))
        loss.start()
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert total.requires_grad
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    sample = DATASETS.build(cfg.val_dataloader.dataset)[0]
    with torch.no_grad():
        out = model(**model.data_preprocessor(dict(inputs=[sample['inputs']], data_samples=[sample['data_samples']]),
                                              False), mode='predict')
    assert tuple(out[0].pred_sem_seg.data.shape[-2:]) == (360, 480)  # back at the image's size


def test_balanced_ce_weights_are_camvid_trains_inverse_pixel_frequencies(camvid_root, monkeypatch, mmseg_scope,
                                                                          tmp_path):
    """The class weights written into fastscnn_camvid-car_ce-balanced.py are 1/n_c of CamVid train's car-vs-rest
    pixels, normalised to sum to 2 (recounted here from the label maps)."""
    from mmseg.registry import DATASETS

    from libra_plugin.datasets.class_counts import count_classes, inverse_frequency_weights
    monkeypatch.setenv('CAMVID_ROOT', camvid_root)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'lovasz', 'fastscnn_camvid-car_ce-balanced.py'))
    counts = count_classes(DATASETS.build(cfg.train_dataloader.dataset), 2, 255, str(tmp_path))
    assert counts.tolist() == [57193728, 3719877]
    expected = inverse_frequency_weights(counts, 1.0)
    assert cfg.model.decode_head.loss_decode.class_weight == pytest.approx(expected.tolist(), abs=5e-5)
