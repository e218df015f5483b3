"""The bookkeeping of the experiment tool (:mod:`libra_plugin.cli.experiment`): a work directory per run (checkpoints,
logs), a record per finished run, a finished run never repeated, an interrupted one resumed, and checkpoints of
another config never continued.

A work directory holds ``prepared_config.txt`` (the text of the config its checkpoints were trained with);
mmengine adds one ``<timestamp>/vis_data/scalars.json`` per start of the training, read back by
:func:`training_rows`. A finished run's record, ``run.json``, holds its results with ``config_text`` (what they were
made from, paths made repository-relative by :func:`portable`).
"""
import glob
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

RECORD = 'prepared_config.txt'
RESULT = 'run.json'


def portable(text: str, data_dir: str, work: str, work_rel: str) -> str:
    """``text`` with the data folder written as ``data/`` and the run's work dir as ``work_rel`` (relative to the
    repository): two runs of the same config on the same data compare equal wherever the data and the clone lie."""
    text = text.replace(work, work_rel)  # first: the work dir may lie inside the data folder
    if data_dir and data_dir.rstrip('/') != 'data':
        text = text.replace(data_dir.rstrip('/') + '/', 'data/')
    return text


def read_record(path: str) -> Optional[dict]:
    """The record at ``path`` (a run.json), or None when there is none or it cannot be read."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def finished_run(work: str, config_text: str) -> Optional[dict]:
    """The run recorded in ``work/run.json`` if it was made from ``config_text``, else None."""
    try:
        with open(osp.join(work, RESULT)) as f:
            run = json.load(f)
    except (OSError, ValueError):
        return None
    return run if run.get('config_text') == config_text else None


def start_training(work: str, config_text: str) -> bool:
    """Record that ``work`` trains ``config_text``; True if its checkpoints can be resumed (they were trained with
    the same config). Checkpoints of another config are set aside (``last_checkpoint`` removed: training starts
    from scratch, and the new checkpoints replace the old ones)."""
    previous = None
    if osp.isfile(osp.join(work, RECORD)):
        with open(osp.join(work, RECORD)) as f:
            previous = f.read()
    elif osp.isfile(osp.join(work, RESULT)):  # a run finished before records were kept: its config is in it
        with open(osp.join(work, RESULT)) as f:
            previous = json.load(f).get('config_text', '').split('\n# evaluated: ')[0]
    last = osp.join(work, 'last_checkpoint')
    resume = osp.isfile(last) and previous in (None, config_text)
    if osp.isfile(last) and not resume:
        os.remove(last)
    with open(osp.join(work, RECORD), 'w') as f:
        f.write(config_text)
    return resume


def save_run(work: str, run: dict) -> None:
    """Write ``run`` (with its ``config_text``) to ``work/run.json`` atomically."""
    save_json(osp.join(work, RESULT), run)


def save_json(path: str, data: dict) -> None:
    """Write ``data`` to ``path`` atomically (its folder made if needed)."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f)
    os.replace(tmp, path)


def training_rows(work: str) -> List[dict]:
    """The logged rows (training losses, validations) of the training that made ``work``'s checkpoints, oldest
    first, from its ``<timestamp>/vis_data/scalars.json`` files. Each start of the training (a resume, or a restart
    from scratch after an interruption or a config change) supersedes what earlier starts logged from its first
    logged iteration on: those rows were redone or belong to an abandoned training, and are dropped. A validation
    counts at the iteration logged before it (its own step may be an epoch)."""
    kept = []  # (iteration, row)
    for path in sorted(glob.glob(osp.join(work, '2*', 'vis_data', 'scalars.json'))):
        rows, at = [], 0
        with open(path) as f:
            for row in map(json.loads, f):
                if 'loss' in row:
                    at = row['step']
                rows.append((at, row))
        first = next((at for at, row in rows if 'loss' in row), None)
        if first is not None:
            kept = [(at, row) for at, row in kept if at < first]
        kept += rows
    return [row for _, row in kept]


def last_seg_results(work: str) -> Tuple[Dict[str, float], Dict[str, float]]:
    """``({class: IoU}, {'mIoU', 'mAcc', 'aAcc'})`` of the last "per class results" table mmseg's ``IoUMetric``
    printed in the newest log of ``work`` (it logs the summary as scalars, the per-class IoU only there)."""
    logs = sorted(glob.glob(osp.join(work, '2*', '*.log')))
    if not logs:
        raise FileNotFoundError(f'no log under {work}/<timestamp>/')
    with open(logs[-1]) as f:
        text = f.read()
    start = text.rfind('per class results:')
    if start < 0:
        raise ValueError(f'{logs[-1]} has no per-class results (did the run reach its validation?)')
    per_class = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith('+') and per_class:
            break
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if line.startswith('|') and len(cells) >= 2 and re.fullmatch(r'[0-9.]+|nan', cells[1]):
            per_class[cells[0]] = float(cells[1])
    summary = {k: float(v) for k, v in re.findall(r'(aAcc|mIoU|mAcc): ([0-9.]+)', text[start:])[:3]}
    return per_class, summary


def save_detections(predictions: str, path: str) -> None:
    """A detector's predictions on the evaluated split (mmdet's ``--out`` pickle) as a small gzipped JSON beside the
    record: per image its ``img_id`` and the boxes (``x1 y1 x2 y2`` to 0.1 px), scores (3 decimals) and class
    indices; what per-image scores and the bootstrap over images are computed from (:mod:`libra_plugin.cli.images`)."""
    import gzip
    import pickle
    with open(predictions, 'rb') as f:
        samples = pickle.load(f)
    images = []
    for sample in samples:
        pred = sample['pred_instances']
        images.append(dict(img_id=int(sample['img_id']),
                           bboxes=[[round(float(v), 1) for v in box] for box in pred['bboxes'].tolist()],
                           scores=[round(float(v), 3) for v in pred['scores'].tolist()],
                           labels=[int(v) for v in pred['labels'].tolist()]))
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with gzip.open(path, 'wt') as f:
        json.dump(images, f)
