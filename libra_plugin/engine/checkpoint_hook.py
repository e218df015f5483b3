"""``ResumableCheckpointHook``: mmengine's ``CheckpointHook`` with nothing lost when the process dies, and exact
resumes.

Upstream reason: mmengine 0.10's ``CheckpointHook._save_checkpoint_with_step`` deletes the oldest checkpoint
(``max_keep_ckpts``) *before* ``runner.save_checkpoint`` writes the new one in place, and ``_save_best_checkpoint``
deletes the previous best before writing the new best. A kill during the write leaves a truncated file (with
``max_keep_ckpts=1``, no complete checkpoint at all). This hook keeps mmengine's two methods and changes only the
file operations they make, in one place (:meth:`ResumableCheckpointHook._safe_files`):

* every checkpoint file (periodic and best) goes to ``<name>.tmp``, is flushed to disk and renamed, so a file under
  its final name is always complete;
* the deletions the hook asks for wait until the new file is complete;
* the random states (python, numpy, torch CPU and CUDA) go into the checkpoint and come back on resume, so a
  resumed run draws the same samples as an uninterrupted one.

``last_checkpoint`` is still mmengine's plain write; :func:`latest_complete_checkpoint` (what
``tools/train.py --resume`` resumes from) checks that the file it names is complete and otherwise takes the newest
complete checkpoint. ``tests/engine/test_checkpoint_hook.py`` runs a real runner and fails if mmengine's hook stops
deleting through ``file_backend`` or writing through ``LocalBackend.put``.
"""
import contextlib
import os
import os.path as osp
import random
import re
import zipfile
from typing import Iterator, Optional

import numpy as np
import torch
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


def is_complete(path: str) -> bool:
    """A checkpoint written by ``torch.save`` to its end and intact: a zip with its central directory (a truncated
    one has none) whose members all match their CRC (``testzip``, one read of the file: corrupted bytes)."""
    try:
        with zipfile.ZipFile(path) as z:
            return len(z.namelist()) > 0 and z.testzip() is None
    except (OSError, zipfile.BadZipFile, RuntimeError, EOFError):
        return False


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` names if complete and in ``work_dir``, else the newest complete
    ``*_N.pth`` in ``work_dir``. A ``last_checkpoint`` naming another folder (a work dir copied to branch an
    experiment: mmengine writes absolute paths) resolves to the file of that name here, never to the original's."""
    named = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(named):
        with open(named) as f:
            path = f.read().strip()
        if path and osp.abspath(osp.dirname(path)) != osp.abspath(work_dir):
            path = osp.join(work_dir, osp.basename(path))
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

    @contextlib.contextmanager
    def _safe_files(self) -> Iterator[None]:
        """Within the block, local writes are atomic and this hook's deletions are held back; on leaving, the held
        deletions run (a file written in the block is never deleted)."""
        backend, held = self.file_backend, []
        written = set()

        class Deferred:  # the hook's file backend, deletions postponed
            def __getattr__(self, name):
                return getattr(backend, name)

            def remove(self, path):
                held.append((backend.remove, path))

            def rmtree(self, path):  # deepspeed's directory checkpoints
                held.append((backend.rmtree, path))

        put = LocalBackend.put

        def atomic_put(_backend, obj, filepath):
            atomic_write(obj, str(filepath))
            written.add(str(filepath))

        self.file_backend, LocalBackend.put = Deferred(), atomic_put
        try:
            yield
        finally:
            self.file_backend, LocalBackend.put = backend, put
        for delete, path in held:
            if str(path) not in written:
                delete(path)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        with self._safe_files():
            super()._save_checkpoint_with_step(runner, step, meta)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._safe_files():
            super()._save_best_checkpoint(runner, metrics)
