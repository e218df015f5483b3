"""The CPU ablation configs: each Libra variant differs from its baseline only in its Libra parts, and every config
trains one step and predicts on real aquarium images with the ImageNet MobileNetV2 loaded from libra://."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import libra_plugin  # noqa: F401
from libra_plugin.utils import pretrained

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ABL = osp.join(REPO, 'configs', 'ablation')
SAMPLING = {'model.train_cfg.rpn.sampler.neg_pos_ub',
            'model.train_cfg.rcnn.sampler'}
# config -> (its baseline, the settings it may change)
VARIANTS = {
    'faster-rcnn_mnv2-fpn_iou-balanced.py': ('faster-rcnn_mnv2-fpn.py', SAMPLING),
    'faster-rcnn_mnv2-fpn_iou-neg.py': ('faster-rcnn_mnv2-fpn.py', {'model.train_cfg.rcnn.sampler'}),
    'faster-rcnn_mnv2-fpn_instance-pos.py': ('faster-rcnn_mnv2-fpn.py', {'model.train_cfg.rcnn.sampler'}),
    'faster-rcnn_mnv2-fpn_bfp.py': ('faster-rcnn_mnv2-fpn.py', {'model.neck'}),
    'faster-rcnn_mnv2-fpn_balanced-l1.py': ('faster-rcnn_mnv2-fpn.py', {'model.roi_head.bbox_head.loss_bbox'}),
    'libra-faster-rcnn_mnv2-fpn.py': ('faster-rcnn_mnv2-fpn.py',
                                      SAMPLING | {'model.neck', 'model.roi_head.bbox_head.loss_bbox'}),
    'libra-retinanet_mnv2-fpn.py': ('retinanet_mnv2-fpn.py', {'model.neck', 'model.bbox_head.loss_bbox'}),
}
STOP = {'model.neck', 'model.train_cfg.rcnn.sampler', 'model.roi_head.bbox_head.loss_bbox',
        'model.bbox_head.loss_bbox'}  # compared whole


def flat(node, prefix=''):
    if isinstance(node, dict) and prefix not in STOP:
        out = {}
        for k, v in node.items():
            out.update(flat(v, f'{prefix}.{k}' if prefix else k))
        return out
    return {prefix: node}


def changed(a: Config, b: Config) -> set:
    fa, fb = flat(a.to_dict()), flat(b.to_dict())
    return {k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k)}


@pytest.mark.parametrize('name', sorted(VARIANTS))
def test_variant_differs_only_in_its_libra_parts(name):
    base, allowed = VARIANTS[name]
    cfg, ref = Config.fromfile(osp.join(ABL, name)), Config.fromfile(osp.join(ABL, base))
    assert changed(cfg, ref) == allowed


def test_single_sampler_rows_are_the_halves_of_iou_balanced_sampling():
    both = Config.fromfile(osp.join(ABL, 'faster-rcnn_mnv2-fpn_iou-balanced.py')).model.train_cfg.rcnn.sampler
    neg = Config.fromfile(osp.join(ABL, 'faster-rcnn_mnv2-fpn_iou-neg.py')).model.train_cfg.rcnn.sampler
    pos = Config.fromfile(osp.join(ABL, 'faster-rcnn_mnv2-fpn_instance-pos.py')).model.train_cfg.rcnn.sampler
    assert neg.neg_sampler == both.neg_sampler and neg.pos_sampler == dict(type='RandomSampler')
    assert pos.pos_sampler == both.pos_sampler and pos.neg_sampler == dict(type='RandomSampler')


def test_libra_faster_rcnn_is_the_three_parts_together():
    full = Config.fromfile(osp.join(ABL, 'libra-faster-rcnn_mnv2-fpn.py')).model
    parts = {n: Config.fromfile(osp.join(ABL, n)).model for n in VARIANTS}
    assert full.neck == parts['faster-rcnn_mnv2-fpn_bfp.py'].neck
    assert full.train_cfg == parts['faster-rcnn_mnv2-fpn_iou-balanced.py'].train_cfg
    assert full.roi_head == parts['faster-rcnn_mnv2-fpn_balanced-l1.py'].roi_head


CONFIGS = sorted(glob.glob(osp.join(ABL, '*.py')))


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_trains_one_step_on_aquarium_with_imagenet_backbone(path, aquarium_root, monkeypatch, tmp_path):
    from mmdet.registry import DATASETS, MODELS
    from mmdet.utils import register_all_modules
    from mmengine.dataset import pseudo_collate
    monkeypatch.setenv('AQUARIUM_ROOT', aquarium_root)
    monkeypatch.setenv('LIBRA_PLUGIN_CACHE', str(tmp_path))
    register_all_modules()
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    src = pretrained.load_source('mobilenet_v2')
    torch.testing.assert_close(model.backbone.layer3[2].expand_conv.conv.weight, src['features.6.conv.0.0.weight'])
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert dataset.metainfo['classes'][0] == 'fish' and len(dataset) > 400  # 448, less images with no box
    data = model.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total) and total > 0
    total.backward()
    model.eval()
    val = DATASETS.build(cfg.val_dataloader.dataset)
    with torch.no_grad():
        results = model(**model.data_preprocessor(pseudo_collate([val[0]]), False), mode='predict')
    assert results[0].pred_instances.bboxes.shape[1] == 4
