"""Registries of the ``libra_plugin`` scope, and our plain names in mmdet's and mmseg's registries.

Each registry here is a child of mmengine's root registry of the same kind, so ``type='libra_plugin.X'`` resolves
from any mmdet or mmseg config: mmengine imports ``libra_plugin.registry`` on seeing the scope and the
``locations`` below import the modules on first use.

``import libra_plugin`` (what ``custom_imports=dict(imports=['libra_plugin'])`` does) also registers every name
that mmdet or mmseg does not own into that package's registry of the same kind, as OpenMMLab ``projects/`` do, so
``type='IBFocalLoss'`` works from an mmseg config and ``type='PiCIE'`` from an mmdet one
(:func:`register_plain_names`). The names mmdet owns (:data:`UPSTREAM_OWNED`: ``BFP``, ``BalancedL1Loss``,
``IoUBalancedNegSampler``, ``InstanceBalancedPosSampler``) stay mmdet's, so importing the plugin never changes what
a stock config builds; the first time a config builds one of them by its plain name, one log line says that
mmdet's module was built and that ``libra_plugin.X`` selects ours.
"""
import importlib
import logging

from mmengine.logging import print_log
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import Registry

SCOPE = 'libra_plugin'


class PluginRegistry(Registry):
    """A registry whose failed lookup names what it holds: ``type='libra_plugin.BFPP'`` raises
    ``KeyError: 'BFPP' is not a libra_plugin model; did you mean ['BFP']? Registered: [...]`` instead of mmengine's
    generic message (mmengine asks a scope's registry with ``get`` and reports only ``None``)."""

    def get(self, key: str):
        obj = super().get(key)
        if obj is None and isinstance(key, str) and '.' not in key:
            import difflib
            names = sorted(self.module_dict)
            close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
            raise KeyError(f"'{key}' is not a {SCOPE} {self.name}"
                           + (f'; did you mean {close}?' if close else '') + f' Registered: {names}')
        return obj


MODELS = PluginRegistry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['libra_plugin.models'])
TASK_UTILS = PluginRegistry(
    'task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['libra_plugin.models'])
HOOKS = PluginRegistry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['libra_plugin.engine'])
DATASETS = PluginRegistry('dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['libra_plugin.datasets'])
METRICS = PluginRegistry('metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['libra_plugin.evaluation'])

KINDS = ('MODELS', 'TASK_UTILS', 'HOOKS', 'DATASETS', 'METRICS')
# (package, registry) -> our names that package registers itself: a plain name there keeps building theirs
UPSTREAM_OWNED = {('mmdet', 'MODELS'): ('BFP', 'BalancedL1Loss'),
                  ('mmdet', 'TASK_UTILS'): ('IoUBalancedNegSampler', 'InstanceBalancedPosSampler')}


def _note_upstream_build(registry: Registry, package: str, names: tuple) -> None:
    """Make ``registry.get`` log, once per name, that a plain ``names`` entry built ``package``'s module."""
    if getattr(registry, '_libra_plugin_noted', None) is not None:
        return
    upstream_get, logged = registry.get, set()
    registry._libra_plugin_noted = names

    def get(key):
        obj = upstream_get(key)
        if key in names and key not in logged and obj is not None:
            logged.add(key)
            print_log(f"type='{key}' built {package}'s {obj.__module__}.{obj.__name__}; "
                      f"type='{SCOPE}.{key}' selects {SCOPE}'s", logger='current', level=logging.INFO)
        return obj

    registry.get = get


def register_plain_names() -> None:
    """Register our classes under their plain names in mmdet's and mmseg's registries (idempotent).

    Names in :data:`UPSTREAM_OWNED` are skipped (they stay the upstream package's) and logged when built. A
    package that is not installed is skipped.
    """
    for package in ('mmdet', 'mmseg'):
        try:
            upstream = importlib.import_module(f'{package}.registry')
        except ImportError:
            continue
        for kind in KINDS:
            theirs, owned = getattr(upstream, kind), UPSTREAM_OWNED.get((package, kind), ())
            for name, cls in globals()[kind].module_dict.items():
                if name not in owned and theirs.module_dict.get(name) is not cls:
                    theirs.register_module(name=name, module=cls)
            if owned:
                _note_upstream_build(theirs, package, owned)


def register_config_package() -> None:
    """Let configs name ours as ``libra_plugin::<path under configs/>`` (e.g. ``_base_ = 'libra_plugin::libra_rcnn/
    faster-rcnn_mnv2_fpn_1k_aquarium.py'``), read from ``libra_plugin/.mim/configs`` as mmengine reads ``mmdet::``.

    mmengine resolves ``pkg::`` only for the packages in its ``MODULE2PACKAGE`` table, which we join; the entry
    exists once ``libra_plugin`` is imported, which our tools do before parsing a config (mmdet's own
    ``tools/train.py`` parses the config before its ``custom_imports``, so there use a path instead).

    mmengine also stamps ``_scope_='<pkg>'`` on every top-level typed dict of a base read through ``pkg::``
    (``Config._dict_to_config_dict``): right for ``mmdet::``, wrong for ours, whose configs are mmdet or mmseg
    configs naming our modules ``libra_plugin.X`` — ``type='CocoDataset'`` would be looked up in the plugin's scope
    and not found (nor ``PackSegInputs``, which no plugin registry holds). So a ``libra_plugin::`` base is read as
    a local file is: no stamp, every type resolved in the config's own ``default_scope``.
    """
    from mmengine.config import Config
    from mmengine.config.utils import MODULE2PACKAGE

    from .utils.compat import patch_package_lookup
    patch_package_lookup()  # pkg:: bases without pkg_resources (setuptools >= 82)
    MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
    get_cfg_path = Config.__dict__['_get_cfg_path'].__func__
    if getattr(get_cfg_path, '_libra_plugin', False):
        return

    def _get_cfg_path(cfg_path: str, filename: str):
        path, scope = get_cfg_path(cfg_path, filename)
        return path, (None if scope == SCOPE else scope)

    _get_cfg_path._libra_plugin = True
    Config._get_cfg_path = staticmethod(_get_cfg_path)


__all__ = ['SCOPE', 'MODELS', 'TASK_UTILS', 'HOOKS', 'DATASETS', 'METRICS', 'UPSTREAM_OWNED', 'register_plain_names',
           'register_config_package']
