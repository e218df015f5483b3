"""Every shipped detection config builds and runs one training and one inference step with a small backbone."""
import glob
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
from mmdet.utils import register_all_modules
from mmengine.config import Config

import libra_plugin  # noqa: F401
from libra_plugin.cli import config_tools

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '*.py')) + glob.glob(osp.join(REPO, 'configs', 'demo',
                                                                                      '*.py')))


def small_model_cfg(path: str) -> Config:
    cfg = Config.fromfile(path)
    config_tools.use_small_backbone(cfg, 16)
    return cfg.model


def _packages(model) -> set:
    """Top-level packages of the model's modules and training samplers."""
    parts = list(model.modules())
    for head in (getattr(model, name, None) for name in ('rpn_head', 'roi_head', 'bbox_head')):
        sampler = getattr(head, 'sampler', None) or getattr(head, 'bbox_sampler', None)
        if sampler is not None:
            parts += [sampler, getattr(sampler, 'pos_sampler', None), getattr(sampler, 'neg_sampler', None)]
    return {type(p).__module__.split('.')[0] for p in parts}


@pytest.mark.slow
@pytest.mark.parametrize('path', DET_CONFIGS, ids=[osp.relpath(p, REPO) for p in DET_CONFIGS])
def test_config_trains_and_predicts_one_step(path):
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(small_model_cfg(path))
    model.init_weights()
    assert 'libra_plugin' in _packages(model)
    num_classes = model.roi_head.bbox_head.num_classes if hasattr(model, 'roi_head') else 80
    packed = demo_mm_inputs(2, [(3, 128, 160), (3, 96, 128)], num_items=[3, 0], num_classes=num_classes)
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(packed, False), mode='predict')
    assert len(results) == 2


def _flat(node, prefix=''):
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in _flat(value, f'{prefix}{key}.').items()}
    if isinstance(node, (list, tuple)) and any(isinstance(v, dict) for v in node):
        return {k: v for i, value in enumerate(node) for k, v in _flat(value, f'{prefix}{i}.').items()}
    return {prefix[:-1]: node}


@pytest.mark.parametrize('name,base,parts', [
    ('libra_faster_rcnn.py', 'faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
     ('model.neck', 'model.roi_head.bbox_head.loss_bbox', 'model.train_cfg.rcnn.sampler',
      'model.train_cfg.rpn.sampler.neg_pos_ub')),  # as mmdet's own Libra config
    ('libra_retinanet.py', 'retinanet/retinanet_r50_fpn_1x_coco.py', ('model.neck', 'model.bbox_head.loss_bbox')),
    ('libra_rpn.py', 'rpn/rpn_r50_fpn_1x_coco.py', ('model.train_cfg.rpn.sampler', 'val_evaluator', 'test_evaluator')),
])
def test_configs_are_thin_diffs_over_mmdet(name, base, parts):
    """Everything the config builds equals its mmdet base except the Libra parts (data, schedule, runtime too)."""
    from mmengine.hub import get_config
    ours, theirs = _flat(Config.fromfile(osp.join(REPO, 'configs', name)).to_dict()), _flat(
        get_config(f'mmdet::{base}').to_dict())
    changed = {k for k in ours.keys() | theirs.keys() if ours.get(k, '<absent>') != theirs.get(k, '<absent>')
               and not k.endswith('._scope_')}  # mmengine marks the scope of an mmdet:: config's dicts
    parts += ('default_hooks.checkpoint.type', )  # ResumableCheckpointHook: atomic checkpoints, random states
    assert changed and all(k.startswith(parts) for k in changed), sorted(changed)


def test_every_shipped_config_has_a_dry_run_layout():
    """tests/configs/test_dry_run.py runs every config that is not a _base_; each needs its data layout."""
    from dry_run import layout_of, shipped_configs  # tests/ is on the path
    configs = shipped_configs()
    assert len(configs) >= 30 and 'picie/picie_r18-fpn_cocostuff27.py' in configs
    for config in configs:
        assert layout_of(config)
