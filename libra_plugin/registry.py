"""Registries of the ``libra_plugin`` scope.

Each is a child of mmengine's root registry of the same kind, so ``type='libra_plugin.X'`` resolves from any
mmdet or mmseg config: mmengine imports ``libra_plugin.registry`` on seeing the scope and the ``locations``
below import the modules on first use. Our names never enter mmdet's or mmseg's registries, so importing the
plugin leaves what a stock config builds unchanged (mmdet's ``BFP`` stays mmdet's).
"""
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

__all__ = ['SCOPE', 'MODELS', 'TASK_UTILS', 'HOOKS', 'DATASETS', 'METRICS']
