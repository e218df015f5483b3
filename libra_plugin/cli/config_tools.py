"""Config transformations shared by the benchmark tools and their tests.

Each takes an mmdet (or mmseg) ``Config`` and changes one aspect in place: the COCO-layout data it reads, the
schedule, the input size, the batch, a narrow ResNet-18 for CPU runs, or the plugin's modules replaced by the
mmdet built-ins of the same name (for side-by-side runs of one model). A config path may be ``mmdet::x.py``.
"""
import json
from typing import Iterator, List, Optional, Sequence

from mmengine.config import Config, ConfigDict

# plugin type -> the mmdet built-in it improves on (same constructor arguments in the shipped configs)
BUILTIN_OF = {
    'libra_plugin.BFP': 'BFP',
    'libra_plugin.BalancedL1Loss': 'BalancedL1Loss',
    'libra_plugin.IoUBalancedNegSampler': 'IoUBalancedNegSampler',
    'libra_plugin.InstanceBalancedPosSampler': 'InstanceBalancedPosSampler',
}
# named sets of the benchmark tools' arguments (argument name -> value); each value can still be given on its own
PRESETS = {'cpu-smoke': dict(small_backbone=32, img_scale=[320, 320], batch_size=4, workers=1, adamw=1e-3)}


def load(path: str) -> Config:
    """``Config.fromfile``, also for ``package::relative/path.py`` (a config shipped inside mmdet or mmseg)."""
    if '::' in path:
        from mmengine.hub import get_config
        return get_config(path)
    return Config.fromfile(path)


def _dicts(node) -> Iterator[dict]:
    """Every dict inside ``node`` (itself included), depth first."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _dicts(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _dicts(v)


def _loaders(cfg: Config) -> List[dict]:
    return [cfg[k] for k in ('train_dataloader', 'val_dataloader', 'test_dataloader') if cfg.get(k)]


def set_coco_data(cfg: Config, data_root: str, train_ann: str, train_img: str, val_ann: str,
                  val_img: str) -> None:
    """Train on ``data_root/train_ann``, validate and test on ``data_root/val_ann``; classes from that file."""
    with open(data_root + val_ann) as f:
        cats = sorted(json.load(f)['categories'], key=lambda c: c['id'])
    classes = tuple(c['name'] for c in cats)
    for key, ann, img in (('train_dataloader', train_ann, train_img), ('val_dataloader', val_ann, val_img),
                          ('test_dataloader', val_ann, val_img)):
        dataset = cfg[key].dataset
        while 'dataset' in dataset:  # RepeatDataset / ClassBalancedDataset wrappers
            dataset = dataset.dataset
        dataset.update(data_root=data_root, ann_file=ann, data_prefix=dict(img=img), metainfo=dict(classes=classes))
    for key in ('val_evaluator', 'test_evaluator'):
        for evaluator in (cfg[key] if isinstance(cfg[key], list) else [cfg[key]]):
            evaluator.ann_file = data_root + val_ann
    for d in _dicts(cfg.model):
        if 'num_classes' in d:
            d['num_classes'] = len(classes)


def set_schedule(cfg: Config, max_iters: Optional[int] = None, epochs: Optional[int] = None,
                 val_interval: Optional[int] = None) -> None:
    """``max_iters``: an iteration-based schedule (warm-up, steps at 75% and 92%); ``epochs``: the config's
    epoch-based one, its steps moved to the same fractions. Checkpoints and validation every ``val_interval``."""
    if (max_iters is None) == (epochs is None):
        raise ValueError('give exactly one of max_iters and epochs')
    length = max_iters if max_iters is not None else epochs
    if length < 1:
        raise ValueError(f'the schedule length must be >= 1, got {length}')
    interval = val_interval or length
    by_epoch = epochs is not None
    steps = sorted({max(1, round(length * 0.75)), max(1, round(length * 0.92))})
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.001 if by_epoch else 0.01, by_epoch=False, begin=0,
             end=500 if by_epoch else max(1, min(500, length // 8))),
        dict(type='MultiStepLR', by_epoch=by_epoch, begin=0, end=length, milestones=steps, gamma=0.1),
    ]
    if by_epoch:
        cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=epochs, val_interval=interval)
        cfg.default_hooks.checkpoint.update(by_epoch=True, interval=interval)
        return
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=interval)
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.default_hooks.checkpoint.update(by_epoch=False, interval=interval)
    cfg.log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
    cfg.default_hooks.logger.log_metric_by_epoch = False  # validation metrics logged at their iteration


def set_val_interval(cfg: Config, interval: int) -> None:
    """Validation and checkpoints every ``interval`` iterations / epochs of the config's own schedule."""
    if interval < 1:
        raise ValueError(f'val_interval must be >= 1, got {interval}')
    cfg.train_cfg.val_interval = interval
    cfg.default_hooks.checkpoint.interval = interval


def set_img_scale(cfg: Config, scale: Sequence[int]) -> None:
    """Every ``Resize`` of the train/val/test pipelines resizes to ``scale`` (keeping its ``keep_ratio``)."""
    for node in [cfg.get('train_pipeline'), cfg.get('test_pipeline')] + _loaders(cfg):
        for d in _dicts(node):
            if d.get('type') in ('Resize', 'mmdet.Resize') and 'scale' in d:
                d['scale'] = tuple(scale)


def set_batch(cfg: Config, batch_size: Optional[int] = None, workers: Optional[int] = None) -> None:
    for loader in _loaders(cfg):
        if workers is not None:
            loader.update(num_workers=workers, persistent_workers=workers > 0)
    if batch_size is not None:
        cfg.train_dataloader.batch_size = batch_size


def use_small_backbone(cfg: Config, width: int = 32) -> None:
    """A ResNet-18 of ``width`` base channels trained from scratch; necks and heads narrowed to ``2 * width``."""
    cfg.model.backbone = ConfigDict(
        type='ResNet', depth=18, base_channels=width, num_stages=4, out_indices=(0, 1, 2, 3), frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, style='pytorch', init_cfg=None)
    necks = cfg.model.neck if isinstance(cfg.model.neck, list) else [cfg.model.neck]
    necks[0].in_channels = [width, 2 * width, 4 * width, 8 * width]
    for d in _dicts([cfg.model.neck] + [v for k, v in cfg.model.items() if k.endswith('head')]):
        for key in ('in_channels', 'out_channels', 'feat_channels'):
            if d.get(key) == 256:
                d[key] = 2 * width
        if d.get('fc_out_channels') == 1024:
            d['fc_out_channels'] = 8 * width
    cfg.model.data_preprocessor.pad_size_divisor = 32


def use_adamw(cfg: Config, lr: float = 1e-3) -> None:
    """AdamW with gradient clipping: what trains a from-scratch detector in a few hundred CPU iterations."""
    cfg.optim_wrapper.optimizer = dict(type='AdamW', lr=lr, weight_decay=1e-4)
    cfg.optim_wrapper.clip_grad = dict(max_norm=10)


def use_faster_coco_eval(cfg: Config) -> None:
    """Evaluate with ``libra_plugin.FasterCocoMetric`` (same numbers as ``CocoMetric``, and works for
    ``proposal_fast`` under numpy >= 1.24) wherever the config uses ``CocoMetric``."""
    for key in ('val_evaluator', 'test_evaluator'):
        for evaluator in (cfg[key] if isinstance(cfg[key], list) else [cfg[key]]):
            if evaluator.get('type') in ('CocoMetric', 'mmdet.CocoMetric'):
                evaluator.type = 'libra_plugin.FasterCocoMetric'


def to_builtin(cfg: Config) -> None:
    """Replace every plugin module of the model by the mmdet built-in of the same name and arguments."""
    for d in _dicts(cfg.model):
        t = d.get('type')
        if isinstance(t, str) and t.startswith('libra_plugin.'):
            if t not in BUILTIN_OF:
                raise KeyError(f'{t} has no mmdet built-in counterpart; known: {sorted(BUILTIN_OF)}')
            d['type'] = BUILTIN_OF[t]
