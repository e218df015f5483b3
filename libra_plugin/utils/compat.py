"""Fixes for the OpenMMLab stack on current torch, each naming the upstream problem it works around."""
import os.path as osp
from typing import Any, Callable, List

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _history_buffer_method(obj: Any, name: str) -> Callable:
    """The only ``getattr`` a checkpoint may use: a statistics method of ``HistoryBuffer``.

    ``HistoryBuffer`` pickles its ``statistics_methods`` dict of functions as ``getattr(HistoryBuffer, 'mean')``.
    A general ``getattr`` would let a crafted file reach arbitrary attributes, so nothing else is served.
    """
    if obj is HistoryBuffer and name in {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}:
        return getattr(HistoryBuffer, name)
    raise RuntimeError(f'checkpoint asks for getattr({obj!r}, {name!r}); only HistoryBuffer statistics methods '
                       'are allowed')


def _numpy_globals() -> List[Any]:
    try:
        from numpy._core.multiarray import _reconstruct, scalar
        core = 'numpy._core'
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
        core = 'numpy.core'
    dtypes = [type(np.dtype(t)) for t in ('float64', 'float32', 'float16', 'int64', 'int32', 'uint8', 'bool')]
    return [(_reconstruct, f'{core}.multiarray._reconstruct'), (scalar, f'{core}.multiarray.scalar'),
            np.ndarray, np.dtype, *dtypes]


def checkpoint_globals() -> List[Any]:
    """What mmengine writes besides tensors: ``HistoryBuffer`` (message hub), numpy arrays and scalars."""
    import codecs
    return [HistoryBuffer, (codecs.encode, '_codecs.encode'), *_numpy_globals(),
            (_history_buffer_method, 'builtins.getattr'), (_history_buffer_method, '__builtin__.getattr')]


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """mmengine's local checkpoint loader, made to work with torch >= 2.6's ``weights_only`` loading.

    mmengine 0.10.7 calls ``torch.load(filename)``; since torch 2.6 that means ``weights_only=True``, which
    refuses the ``HistoryBuffer`` and numpy objects of mmengine's own checkpoints, so ``--resume`` fails with
    ``UnpicklingError`` (fixed only on mmengine's unreleased main, open-mmlab/mmengine#1670). We keep the safe
    loader and allow exactly those types (:func:`checkpoint_globals`).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    with torch.serialization.safe_globals(checkpoint_globals()):
        return torch.load(filename, map_location=map_location, weights_only=True)


def patch_checkpoint_loading() -> None:
    """Register :func:`load_from_local` as mmengine's loader of local files (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
