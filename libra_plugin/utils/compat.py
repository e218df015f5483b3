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


def _is_installed(package: str) -> bool:
    """mmengine's ``is_installed`` through ``importlib.metadata`` (the same answers, no ``pkg_resources``)."""
    import importlib.metadata
    import importlib.util
    try:
        importlib.metadata.distribution(package)
        return True
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        return spec is not None and spec.origin is not None


def _package2module(package: str) -> str:
    """mmengine's ``package2module``: the first top-level module of a distribution (``top_level.txt``)."""
    import importlib.metadata
    top = importlib.metadata.distribution(package).read_text('top_level.txt')
    if top and top.split():
        return top.split()[0]
    raise ValueError(f'can not infer the module name of {package}')


def _get_installed_path(package: str) -> str:
    """mmengine's ``get_installed_path`` through ``importlib.metadata``: the folder of the installed package (its
    module's folder where the distribution and the module are named differently, e.g. mmcv-full / mmcv, or where
    an editable install keeps the code elsewhere)."""
    import importlib.metadata
    import importlib.util
    try:
        location = str(importlib.metadata.distribution(package).locate_file(''))
    except importlib.metadata.PackageNotFoundError:
        location = None
    if location and osp.isdir(osp.join(location, package)):
        return osp.join(location, package)
    spec = importlib.util.find_spec(package)
    if spec is None and location:
        module = _package2module(package)
        if osp.isdir(osp.join(location, module)):
            return osp.join(location, module)
        spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        return osp.dirname(spec.origin)
    if spec is not None:
        raise RuntimeError(f'{package} is a namespace package, which is invalid for `get_install_path`')
    raise importlib.metadata.PackageNotFoundError(package)


def patch_package_lookup() -> None:
    """mmengine 0.10.7 finds the packages of ``mmdet::`` / ``mmseg::`` / ``libra_plugin::`` bases (and of
    ``mmengine.hub``) with ``pkg_resources``, which setuptools >= 82 no longer ships: in a fresh environment with
    current torch (which pulls the newest setuptools) every such config fails with ``No module named
    'pkg_resources'`` (mmengine's ``utils/package_utils.py``; replaced by ``importlib`` in open-mmlab/mmengine#1676,
    merged after 0.10.7, unreleased). The lookups are replaced, where mmengine imported them, by ``importlib.metadata`` versions with the
    same answers; nothing is changed when mmengine no longer uses ``pkg_resources`` there."""
    import inspect

    import mmengine.config.config as config_module
    import mmengine.hub.hub as hub_module
    import mmengine.utils as utils_module
    import mmengine.utils.package_utils as package_utils
    if 'pkg_resources' not in inspect.getsource(package_utils.is_installed):
        return
    for module in (package_utils, utils_module, config_module, hub_module):
        if hasattr(module, 'is_installed'):
            module.is_installed = _is_installed
        if hasattr(module, 'get_installed_path'):
            module.get_installed_path = _get_installed_path
    package_utils.package2module = _package2module
