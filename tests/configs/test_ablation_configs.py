"""The CPU aquarium configs: each variant differs from its baseline only in its part (a Libra part, a longer
schedule, a classification loss), and every config trains one step and predicts on real aquarium images with the
ImageNet MobileNetV2 loaded from libra://."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import libra_plugin  # noqa: F401
from libra_plugin.utils import pretrained

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ABL = osp.join(REPO, 'configs', 'libra_rcnn')
IBF = osp.join(REPO, 'configs', 'ib_focal')
SAMPLING = {'model.train_cfg.rpn.sampler.neg_pos_ub',
            'model.train_cfg.rcnn.sampler'}
# config -> (its baseline, the settings it may change)
VARIANTS = {
    'faster-rcnn_mnv2_fpn_iou-balanced_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py', SAMPLING),
    'faster-rcnn_mnv2_fpn_iou-neg_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py', {'model.train_cfg.rcnn.sampler'}),
    'faster-rcnn_mnv2_fpn_instance-pos_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py', {'model.train_cfg.rcnn.sampler'}),
    'faster-rcnn_mnv2_fpn_bfp_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py', {'model.neck'}),
    'faster-rcnn_mnv2_fpn_balanced-l1_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py', {'model.roi_head.bbox_head.loss_bbox'}),
    'libra-faster-rcnn_mnv2_fpn_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py',
                                      SAMPLING | {'model.neck', 'model.roi_head.bbox_head.loss_bbox'}),
    'libra-retinanet_mnv2_fpn_gn-head_2k_aquarium.py': ('retinanet_mnv2_fpn_gn-head_2k_aquarium.py', {'model.neck', 'model.bbox_head.loss_bbox'}),
}
SCHEDULE = {'train_cfg.max_iters', 'train_cfg.val_interval', 'param_scheduler', 'default_hooks.checkpoint.interval'}
SCHEDULE |= {f'schedule_3k.{k}' for k in SCHEDULE}  # the schedule's base variable, and what it sets
for part in ('faster-rcnn_mnv2_fpn', 'faster-rcnn_mnv2_fpn_bfp', 'faster-rcnn_mnv2_fpn_balanced-l1',
             'libra-faster-rcnn_mnv2_fpn'):  # the 3000-iteration study: only the schedule changed
    VARIANTS[f'{part}_3k_aquarium.py'] = (f'{part}_1k_aquarium.py', SCHEDULE)
# the long-tail rows: the classification loss (and the hook that switches it)
IB_VARIANTS = {
    'faster-rcnn_mnv2_fpn_ib-focal_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py',
                                                    {'model.roi_head.bbox_head.loss_cls', 'custom_hooks'}),
    'faster-rcnn_mnv2_fpn_seesaw_1k_aquarium.py': ('faster-rcnn_mnv2_fpn_1k_aquarium.py',
                                                  {'model.roi_head.bbox_head.loss_cls',
                                                   'model.roi_head.bbox_head.cls_predictor_cfg.type',
                                                   'model.roi_head.bbox_head.cls_predictor_cfg.tempearture'}),
    'retinanet_mnv2_fpn_ib-focal_2k_aquarium.py': ('retinanet_mnv2_fpn_gn-head_2k_aquarium.py',
                                                  {'model.bbox_head.loss_cls', 'custom_hooks'}),
}
STOP = {'model.roi_head.bbox_head.loss_cls', 'model.bbox_head.loss_cls', 'model.neck', 'model.train_cfg.rcnn.sampler', 'model.roi_head.bbox_head.loss_bbox',
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


@pytest.mark.parametrize('name', sorted(VARIANTS) + sorted(IB_VARIANTS))
def test_variant_differs_only_in_its_part(name):
    base, allowed = VARIANTS.get(name) or IB_VARIANTS[name]
    cfg = Config.fromfile(osp.join(ABL if name in VARIANTS else IBF, name))
    ref = Config.fromfile(osp.join(ABL, base))
    assert changed(cfg, ref) == allowed


def test_single_sampler_rows_are_the_halves_of_iou_balanced_sampling():
    both = Config.fromfile(osp.join(ABL, 'faster-rcnn_mnv2_fpn_iou-balanced_1k_aquarium.py')).model.train_cfg.rcnn.sampler
    neg = Config.fromfile(osp.join(ABL, 'faster-rcnn_mnv2_fpn_iou-neg_1k_aquarium.py')).model.train_cfg.rcnn.sampler
    pos = Config.fromfile(osp.join(ABL, 'faster-rcnn_mnv2_fpn_instance-pos_1k_aquarium.py')).model.train_cfg.rcnn.sampler
    assert neg.neg_sampler == both.neg_sampler and neg.pos_sampler == dict(type='RandomSampler')
    assert pos.pos_sampler == both.pos_sampler and pos.neg_sampler == dict(type='RandomSampler')


def test_libra_faster_rcnn_is_the_three_parts_together():
    full = Config.fromfile(osp.join(ABL, 'libra-faster-rcnn_mnv2_fpn_1k_aquarium.py')).model
    parts = {n: Config.fromfile(osp.join(ABL, n)).model for n in VARIANTS if '_1k_' in n}
    assert full.neck == parts['faster-rcnn_mnv2_fpn_bfp_1k_aquarium.py'].neck
    assert full.train_cfg == parts['faster-rcnn_mnv2_fpn_iou-balanced_1k_aquarium.py'].train_cfg
    assert full.roi_head == parts['faster-rcnn_mnv2_fpn_balanced-l1_1k_aquarium.py'].roi_head


CONFIGS = sorted(glob.glob(osp.join(ABL, '*_aquarium.py')) + glob.glob(osp.join(IBF, '*_aquarium.py')))


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
