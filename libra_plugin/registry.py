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

MODELS = Registry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['libra_plugin.models'])
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['libra_plugin.models'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['libra_plugin.engine'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['libra_plugin.datasets'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['libra_plugin.evaluation'])

__all__ = ['SCOPE', 'MODELS', 'TASK_UTILS', 'HOOKS', 'DATASETS', 'METRICS']
