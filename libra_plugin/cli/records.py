"""The bookkeeping of the multi-run tools (``tools/coco_benchmark.py``, ``tools/seg_seeds.py``): one directory per
run, a finished run not repeated, an interrupted one resumed, and checkpoints of another config never continued.

A run directory holds ``prepared_config.txt`` (the text of the config its checkpoints were trained with) and, once
finished, ``run.json`` (the results, with ``config_text``: what they were made from); mmengine adds one
``<timestamp>/vis_data/scalars.json`` per start of the training, read back by :func:`training_rows`.
"""
import glob
import json
import os
import os.path as osp
from typing import List, Optional

RECORD = 'prepared_config.txt'
RESULT = 'run.json'


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
    tmp = osp.join(work, RESULT + '.tmp')
    with open(tmp, 'w') as f:
        json.dump(run, f)
    os.replace(tmp, osp.join(work, RESULT))


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
