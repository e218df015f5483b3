"""Fixes for the OpenMMLab stack on current torch, each naming the upstream problem it works around."""
import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def _checkpoint_globals() -> list:
    """Non-tensor types that mmengine and mmdet write into checkpoints (``meta``, ``message_hub``)."""
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    types = [HistoryBuffer, np.ndarray, np.dtype, np.core.multiarray._reconstruct] if hasattr(
        np, 'core') else [HistoryBuffer, np.ndarray, np.dtype]
    types += [type(np.dtype(t)) for t in ('float64', 'float32', 'int64', 'int32', 'bool')]
    types += [np.float64, np.float32, np.int64, np.int32, np.bool_]
    try:
        from numpy._core.multiarray import _reconstruct, scalar
        types += [_reconstruct, scalar]
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
        types += [_reconstruct, scalar]
    return types


def load_from_local(filename: str, map_location=None):
    """mmengine's local checkpoint loader with torch >= 2.6's ``weights_only`` loading made to work.

    mmengine 0.10.7 calls ``torch.load(filename)``; since torch 2.6 that means ``weights_only=True``, which
    refuses the ``HistoryBuffer`` and numpy objects of mmengine's own checkpoints, so ``--resume`` fails with
    ``UnpicklingError`` (fixed only on mmengine's unreleased main, open-mmlab/mmengine#1670). We keep the safe
    loader and allow exactly those types.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    with torch.serialization.safe_globals(_checkpoint_globals()):
        return torch.load(filename, map_location=map_location, weights_only=True)


def patch_checkpoint_loading() -> None:
    """Register :func:`load_from_local` as mmengine's loader of local files (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
