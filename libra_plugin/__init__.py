"""libra_plugin: Libra R-CNN parts (IoU-balanced sampling, balanced feature pyramid, Balanced L1) for MMDetection.

``custom_imports=dict(imports=['libra_plugin'])`` registers everything; ``type='libra_plugin.X'`` also works
without it. Registered names live in the ``libra_plugin`` scope only: mmdet's and mmseg's stay untouched.
"""
__version__ = '0.1.0'

try:
    import mmengine  # noqa: F401
except ImportError:  # pure-torch use: ``libra_plugin.functional`` needs no OpenMMLab package
    __all__ = ['__version__']
else:
    from .datasets import CamVidDataset
    from .engine import IBLossHook, PiCIEClusterHook, ResumableCheckpointHook
    from .evaluation import FasterCocoMetric, UnsupervisedSegMetric
    from .models import (BalancedL1Loss, BFP, GaussianL1Loss, IBFocalLoss, InstanceBalancedPosSampler,
                         IoUBalancedNegSampler, LovaszHingeLoss, LovaszSoftmaxLoss, PiCIE, PiCIEFPN,
                         SoftmaxFocalLoss)
    from .registry import DATASETS, HOOKS, METRICS, MODELS, SCOPE, TASK_UTILS
    from .utils import patch_checkpoint_loading, register_offline_weights

    patch_checkpoint_loading()
    register_offline_weights()  # init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2')

    __all__ = [
        'BalancedL1Loss', 'BFP', 'CamVidDataset', 'FasterCocoMetric', 'GaussianL1Loss', 'IBFocalLoss', 'IBLossHook',
        'InstanceBalancedPosSampler', 'IoUBalancedNegSampler', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'PiCIE',
        'PiCIEClusterHook', 'PiCIEFPN', 'ResumableCheckpointHook', 'SoftmaxFocalLoss', 'UnsupervisedSegMetric',
        'DATASETS', 'HOOKS', 'METRICS', 'MODELS', 'SCOPE', 'TASK_UTILS', 'patch_checkpoint_loading',
        'register_offline_weights', '__version__'
    ]
