"""Checks of a config's data files before a run starts, with errors that name the file and what is wrong.

mmdet reports a wrong annotation file from deep inside pycocotools (``AssertionError: annotation file format
<class 'list'> not supported``, ``KeyError: 'categories'``), after the model is built; here it is caught first.
"""
import json
import os
import os.path as osp

from mmengine.config import Config

FULL_CHECK_BYTES = 200 * 2**20  # larger files (COCO train2017: 450 MB) are only checked to be JSON objects
COCO_KEYS = ('images', 'annotations', 'categories')


def check_coco_file(path: str, where: str) -> None:
    """``path`` exists and is a COCO detection file: a JSON object with lists ``images``, ``annotations``,
    ``categories`` (only the opening ``{`` for files over 200 MB)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{where}: annotation file {path} does not exist')
    if os.path.getsize(path) > FULL_CHECK_BYTES:
        with open(path, 'rb') as f:
            head = f.read(64).lstrip()
        if not head.startswith(b'{'):
            raise ValueError(f'{where}: {path} is not a COCO annotation file (not a JSON object)')
        return
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


def check_data_files(cfg: Config) -> None:
    """Every COCO-type dataset of the train/val/test dataloaders points at a COCO annotation file."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset')
        while isinstance(dataset, dict) and isinstance(dataset.get('dataset'), dict):
            dataset = dataset['dataset']  # RepeatDataset and other wrappers
        if not isinstance(dataset, dict) or 'Coco' not in str(dataset.get('type', '')):
            continue
        ann = dataset.get('ann_file', '')
        if isinstance(ann, str) and ann.endswith('.json'):
            root = dataset.get('data_root') or ''
            check_coco_file(osp.join(root, ann) if root and not osp.isabs(ann) else ann,  # as mmengine joins
                            f'{key}.dataset.ann_file')


def check_resume_checkpoint(model, filename: str) -> None:
    """``filename`` holds this model's weights: same tensor names and shapes. mmengine resumes another model's
    checkpoint with warnings, then fails inside the optimizer's ``load_state_dict`` (or, worse, restores momentum
    onto parameters of the same shape that mean something else)."""
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint
    model = model.module if is_model_wrapper(model) else model
    ckpt = _load_checkpoint(filename, map_location='cpu')
    theirs = {k[7:] if k.startswith('module.') else k: v.shape
              for k, v in ckpt.get('state_dict', ckpt).items() if hasattr(v, 'shape')}
    ours = {k: v.shape for k, v in model.state_dict().items()}
    shape = [k for k in ours if k in theirs and theirs[k] != ours[k]]
    missing, unexpected = [k for k in ours if k not in theirs], [k for k in theirs if k not in ours]
    if not (shape or missing or unexpected):
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
    raise ValueError(f'--resume {filename}: the checkpoint is of another model ({"; ".join(parts)}). Resuming '
                     'restores its optimizer and schedule onto this model; to start from its weights instead, set '
                     'load_from to it without --resume')
