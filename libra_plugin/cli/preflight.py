"""Checks of a config's data files before a run starts, with errors that name the file and what is wrong.

mmdet reports a wrong annotation file from deep inside pycocotools (``AssertionError: annotation file format
<class 'list'> not supported``, ``KeyError: 'categories'``), after the model is built; here it is caught first.
"""
import json
import os
import os.path as osp

from typing import Optional

from mmengine.config import Config

from .data_checks import coco_problems, num_classes_problems, seg_problems

FULL_CHECK_BYTES = 200 * 2**20  # larger files (COCO train2017: 450 MB) are only checked to be JSON objects
COCO_KEYS = ('images', 'annotations', 'categories')


def check_coco_file(path: str, where: str) -> Optional[dict]:
    """``path`` exists and is a COCO detection file: a JSON object with lists ``images``, ``annotations``,
    ``categories`` (only the opening ``{`` for files over 200 MB). Returns the parsed file (None when large)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{where}: annotation file {path} does not exist')
    if os.path.getsize(path) > FULL_CHECK_BYTES:
        with open(path, 'rb') as f:
            head = f.read(64).lstrip()
        if not head.startswith(b'{'):
            raise ValueError(f'{where}: {path} is not a COCO annotation file (not a JSON object)')
        return None
    try:
        with open(path) as f:
            data = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f'{where}: {path} is not a COCO annotation file (not JSON: {e})') from None
    if not isinstance(data, dict):
        raise ValueError(f'{where}: {path} is not a COCO annotation file: a JSON object with lists '
                         f'{list(COCO_KEYS)} is needed, got a JSON {type(data).__name__}')
    missing = [k for k in COCO_KEYS if not isinstance(data.get(k), list)]
    if missing:
        raise ValueError(f'{where}: {path} is not a COCO annotation file: lists {missing} are missing '
                         f'(keys found: {sorted(data)})')
    return data


def _joined(root: str, path: str) -> str:
    return osp.join(root, path) if root and not osp.isabs(path) else path  # as mmengine joins


def check_data_files(cfg: Config) -> None:
    """Before a run: every COCO-type dataset of the train/val/test dataloaders points at a COCO annotation file,
    and the data hold none of the problems of :mod:`data_checks` (all reported in one ``ValueError``, one line
    each); the model's ``num_classes`` matches the training classes."""
    problems, seen, train_classes = [], set(), None
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset')
        while isinstance(dataset, dict) and isinstance(dataset.get('dataset'), dict):
            dataset = dataset['dataset']  # RepeatDataset and other wrappers
        if not isinstance(dataset, dict):
            continue
        root, ann = dataset.get('data_root') or '', dataset.get('ann_file', '')
        classes = (dataset.get('metainfo') or {}).get('classes')
        if 'Coco' in str(dataset.get('type', '')) and isinstance(ann, str) and ann.endswith('.json'):
            path = _joined(root, ann)
            data = check_coco_file(path, f'{key}.dataset.ann_file')
            if data is not None and path not in seen:
                img_dir = _joined(root, (dataset.get('data_prefix') or {}).get('img', ''))
                default = None if classes is not None else _default_classes(dataset, cfg.get('default_scope'))
                problems += coco_problems(data, path, classes, img_dir,
                                          dataset.get('filter_cfg') if key == 'train_dataloader' else None, default,
                                          evaluated=key != 'train_dataloader')
            seen.add(path)
        elif cfg.get('default_scope') == 'mmseg' and repr(dataset) not in seen:
            seen.add(repr(dataset))
            built = _build_dataset(dataset, cfg.default_scope)
            classes = built.metainfo['classes']
            problems += seg_problems(built, f'{key}.dataset', training=key == 'train_dataloader')
        if key == 'train_dataloader':
            train_classes = classes if classes is not None else _default_classes(dataset, cfg.get('default_scope'))
    if train_classes is not None and isinstance(cfg.get('model'), dict):
        problems += num_classes_problems(cfg.model, train_classes)
    if problems:
        raise ValueError('the data or config would train the wrong thing:\n' + '\n'.join(problems))


def _build_dataset(dataset: dict, scope: str):
    from mmengine.registry import DATASETS, DefaultScope
    with DefaultScope.overwrite_default_scope(scope):
        return DATASETS.build(dict(dataset, pipeline=[]))


def _default_classes(dataset: dict, scope: Optional[str]):
    """The classes of the dataset type's ``METAINFO`` (a config without ``metainfo``)."""
    from mmengine.registry import DATASETS, DefaultScope
    with DefaultScope.overwrite_default_scope(scope):
        with DATASETS.switch_scope_and_registry(scope) as registry:
            kind = registry.get(dataset.get('type')) if isinstance(dataset.get('type'), str) else None
    return (getattr(kind, 'METAINFO', None) or {}).get('classes')


def check_resume_learning_rate(optim_wrapper: dict, filename: str) -> None:
    """A resume continues the checkpoint's optimizer: a config whose learning rate was changed since would be
    ignored silently (mmengine restores the old rate). Refused unless the rate of ``optim_wrapper`` (the runner's,
    after ``auto_scale_lr``) is one of the checkpoint's."""
    from mmengine.runner.checkpoint import _load_checkpoint
    lr = optim_wrapper.get('optimizer', {}).get('lr') if isinstance(optim_wrapper, dict) else None
    groups = _load_checkpoint(filename, map_location='cpu').get('optimizer', {}).get('param_groups', [])
    saved = sorted({g.get('initial_lr', g.get('lr')) for g in groups if isinstance(g, dict)} - {None})
    if lr is None or not saved or any(abs(s - lr) <= 1e-9 * max(abs(lr), 1e-12) for s in saved):
        return
    raise ValueError(f"--resume {filename}: the config's learning rate {lr:g} is not the checkpoint's "
                     f"({', '.join(f'{s:g}' for s in saved)}): a resume continues the checkpoint's optimizer and "
                     'schedule, so the new rate would be ignored. To train on with it, start from the checkpoint\'s '
                     f'weights: load_from={filename!r} without --resume; to resume, restore the rate')


def check_resume_checkpoint(model, filename: str, purpose: str = 'resume') -> None:
    """``filename`` holds this model's parameters: same names, shapes and order. mmengine resumes another model's
    checkpoint with warnings, then fails inside the optimizer's ``load_state_dict`` (or, worse, restores momentum
    onto parameters of the same shape that mean something else). The optimizer's state is stored by parameter
    position, so a checkpoint whose parameters were registered in another order (an earlier version of a module,
    e.g. BFP's non-local block before it took mmcv's order) would put each momentum on another tensor: refused."""
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint
    model = model.module if is_model_wrapper(model) else model
    ckpt = _load_checkpoint(filename, map_location='cpu')
    theirs = {k[7:] if k.startswith('module.') else k: v.shape
              for k, v in ckpt.get('state_dict', ckpt).items() if hasattr(v, 'shape')}
    # parameters only: what the optimizer state refers to (buffers such as IBFocalLoss's counted class weights may
    # legitimately be filled in later)
    ours = {k: v.shape for k, v in model.named_parameters()}
    shape = [k for k in ours if k in theirs and theirs[k] != ours[k]]
    buffers = {k for k, _ in model.named_buffers()}
    missing = [k for k in ours if k not in theirs]
    unexpected = [k for k in theirs if k not in ours and k not in buffers]
    if not (shape or missing or unexpected):
        saved = [k for k in theirs if k in ours]
        moved = next((i for i, (a, b) in enumerate(zip(saved, ours)) if a != b), None)
        if moved is not None and 'optimizer' in ckpt and purpose == 'resume':
            raise ValueError(f'--resume {filename}: the checkpoint lists this model\'s parameters in another order '
                             f'(position {moved}: {saved[moved]} in the checkpoint, {list(ours)[moved]} in this '
                             'model; saved by an earlier version of that module). Its optimizer state is stored by '
                             'position, so the momentum would be restored onto other tensors of the same shape. '
                             'Resuming is refused: set load_from to it without --resume (the weights load by name; '
                             'the optimizer starts afresh)')
        return
    parts = []
    if shape:
        k = shape[0]
        parts.append(f'{len(shape)} tensors of another shape, e.g. {k}: {tuple(theirs[k])} in the checkpoint, '
                     f'{tuple(ours[k])} in this model')
    if missing:
        parts.append(f'{len(missing)} tensors of this model missing from it, e.g. {missing[0]}')
    if unexpected:
        parts.append(f'{len(unexpected)} tensors this model does not have, e.g. {unexpected[0]}')
    if purpose == 'test':
        raise ValueError(f'checkpoint {filename} is of another model ({"; ".join(parts)}): evaluating it would score '
                         'the parts it does not hold as initialised at random; give the checkpoint this config '
                         'trained (or the config it was trained with)')
    raise ValueError(f'--resume {filename}: the checkpoint is of another model ({"; ".join(parts)}). Resuming '
                     'restores its optimizer and schedule onto this model; to start from its weights instead, set '
                     'load_from to it without --resume')
