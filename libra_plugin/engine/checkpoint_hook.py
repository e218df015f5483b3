"""``ResumableCheckpointHook``: mmengine's ``CheckpointHook`` with nothing lost when the process dies, and exact
resumes.

mmengine's hook (0.10) deletes the oldest checkpoint *before* writing the new one, writes the new one in place
and then rewrites ``last_checkpoint`` in place. A kill during the write leaves a truncated ``iter_N.pth`` (and,
with ``max_keep_ckpts=1``, no complete checkpoint at all); a kill while ``last_checkpoint`` is rewritten leaves it
empty, and ``--resume`` then starts from scratch. Here:

* the checkpoint goes to ``<name>.tmp``, is flushed to disk and renamed (a file under its final name is always
  complete); ``last_checkpoint`` likewise; only then are checkpoints beyond ``max_keep_ckpts`` deleted;
* the random states (python, numpy, torch CPU and CUDA) go into the checkpoint and come back on resume, so a
  resumed run draws the same samples as an uninterrupted one.

:func:`latest_complete_checkpoint` is what ``tools/train.py --resume`` resumes from.
"""
import contextlib
import os
import os.path as osp
import random
import re
import zipfile
from collections import deque
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data.dataloader import _SingleProcessDataLoaderIter

from ..registry import HOOKS


def atomic_write(data: bytes, path: str) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the complete new one."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_local_put() -> Iterator[None]:
    """Within the block, mmengine's local file backend writes atomically (``atomic_write``)."""
    put = LocalBackend.put
    LocalBackend.put = lambda self, obj, filepath: atomic_write(obj, str(filepath))
    try:
        yield
    finally:
        LocalBackend.put = put


def is_complete(path: str) -> bool:
    """A checkpoint written by ``torch.save`` to its end (a truncated zip has no central directory)."""
    try:
        with zipfile.ZipFile(path) as z:
            return len(z.namelist()) > 0
    except (OSError, zipfile.BadZipFile):
        return False


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` names if complete, else the newest complete ``*_N.pth`` in ``work_dir``."""
    named = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(named):
        with open(named) as f:
            path = f.read().strip()
        if path and is_complete(path):
            return path
    found = [(int(m.group(1)), osp.join(work_dir, name)) for name in os.listdir(work_dir) if osp.isdir(work_dir)
             for m in [re.fullmatch(r'(?:iter|epoch)_(\d+)\.pth', name)] if m]
    for _, path in sorted(found, reverse=True):
        if is_complete(path):
            return path
    return None


def random_states() -> dict:
    state = dict(python=random.getstate(), numpy=list(np.random.get_state()), torch=torch.get_rng_state())
    state['numpy'][1] = torch.from_numpy(state['numpy'][1].astype(np.int64))
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_random_states(state: dict) -> None:
    random.setstate((state['python'][0], tuple(state['python'][1]), state['python'][2]))
    kind, key, pos, has_gauss, cached = state['numpy']
    np.random.set_state((kind, key.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available() and len(state['cuda']) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state['cuda'])


class _SkipIndicesFirst:
    """The iterator of an ``IterBasedTrainLoop`` resumed at iteration ``n`` with ``num_workers=0``.

    mmengine skips the trained iterations by loading (and augmenting) their batches again. Without workers that
    runs in this process and draws from the global random generators just restored from the checkpoint, so the run
    diverges from an uninterrupted one. Here the first ``n`` calls advance the sampler only (the order of the data
    is the same, nothing is loaded); after that this is the loop's iterator. With workers, each worker's generators
    are seeded afresh and mmengine's skip is exact as it is.
    """

    def __init__(self, iterator, n: int) -> None:
        self.iterator, self.left = iterator, n

    def __iter__(self):
        return self

    def __next__(self):
        if self.left > 0:
            self.left -= 1
            try:
                self.iterator._iterator._next_index()
                return None
            except StopIteration:  # a finite sampler: mmengine's iterator restarts it
                pass
        return next(self.iterator)


@HOOKS.register_module()
class ResumableCheckpointHook(CheckpointHook):
    """``CheckpointHook`` (same arguments) that writes atomically and saves the random states (module doc).

    Args:
        save_random_state (bool): Save and restore the random number generators. Defaults to True.
        **kwargs: ``CheckpointHook``'s arguments.
    """

    def __init__(self, *args, save_random_state: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.save_random_state = save_random_state

    def before_train(self, runner) -> None:
        super().before_train(runner)
        loop = runner.train_loop
        if self.save_random_state and isinstance(loop, IterBasedTrainLoop) and loop.iter > 0:
            inner = getattr(loop.dataloader_iterator, '_iterator', None)
            if isinstance(inner, _SingleProcessDataLoaderIter):
                loop.dataloader_iterator = _SkipIndicesFirst(loop.dataloader_iterator, loop.iter)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.save_random_state:
            checkpoint['random_state'] = random_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.save_random_state and 'random_state' in checkpoint:
            set_random_states(checkpoint['random_state'])

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        ids = list(getattr(self, 'keep_ckpt_ids', []))  # set in before_train only when max_keep_ckpts > 0
        if self.max_keep_ckpts > 0 and not (ids and ids[-1] == step):
            ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', ids[-self.max_keep_ckpts:])
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with atomic_local_put():
            runner.save_checkpoint(self.out_dir, filename, self.file_client_args, save_optimizer=self.save_optimizer,
                                   save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
                                   backend_args=self.backend_args, **self.args)
        if self.max_keep_ckpts > 0:
            self.keep_ckpt_ids = deque(ids[-self.max_keep_ckpts:], self.max_keep_ckpts)
        if not is_main_process():
            return
        atomic_write(self.last_ckpt.encode(), osp.join(runner.work_dir, 'last_checkpoint'))
        for old in ids[:-self.max_keep_ckpts] if self.max_keep_ckpts > 0 else []:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):  # only now that the new one is complete
                self.file_backend.remove(path)
