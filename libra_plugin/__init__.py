"""libra_plugin: Libra R-CNN parts, Lovasz losses, IB focal loss and PiCIE for MMDetection and MMSegmentation.

Two ways to use it from a config, as with OpenMMLab ``projects/``:

- ``type='libra_plugin.X'`` resolves from any mmdet or mmseg config with no other line;
- after ``custom_imports=dict(imports=['libra_plugin'])``, every name mmdet and mmseg do not own also resolves by
  its plain name (``type='IBFocalLoss'``, ``type='PiCIE'``) from both. The four names mmdet owns (``BFP``,
  ``BalancedL1Loss``, ``IoUBalancedNegSampler``, ``InstanceBalancedPosSampler``) keep building mmdet's modules,
  so importing the plugin never changes what a stock config builds; a config that builds one of them by its plain
  name logs one line saying so, and ``type='libra_plugin.BFP'`` etc. selects ours.

The configs and tools ship inside the package: ``python -m libra_plugin train|test|benchmark ...`` (or
``libra-train`` etc.) and ``_base_ = 'libra_plugin::<path under configs/>'`` work from a pip install.
"""
__version__ = '0.1.0'

try:
    import mmengine  # noqa: F401
except ImportError:  # pure-torch use: ``libra_plugin.functional`` needs no OpenMMLab package
    __all__ = ['__version__']
else:
    try:
        import mmcv.ops  # noqa: F401  (the compiled ops: RoIAlign, NMS, ...)
    except ImportError as e:
        raise ImportError('libra_plugin needs mmcv 2.1 with its compiled ops (mmdet 3.3 and mmseg 1.2 refuse mmcv '
                          '>= 2.2): install a build for your torch with `mim install "mmcv>=2.1.0,<2.2.0"` (or `pip '
                          f'install "libra_plugin[mim]"`); importing mmcv.ops failed with: {e}') from e
    from .datasets import CamVidDataset
    from .engine import (ChannelsLastHook, IBLossHook, LossSwitchHook, PiCIEClusterHook, ResumableCheckpointHook,
                         TorchRoIAlignHook)
    from .evaluation import FasterCocoMetric, UnsupervisedSegMetric
    from .models import (BalancedL1Loss, BFP, GaussianL1Loss, IBFocalLoss, InstanceBalancedPosSampler,
                         IoUBalancedNegSampler, LovaszHingeLoss, LovaszSoftmaxLoss, PiCIE, PiCIEFPN,
                         SoftmaxFocalLoss, SwitchedLoss)
    from .registry import (DATASETS, HOOKS, METRICS, MODELS, SCOPE, TASK_UTILS, register_config_package,
                           register_plain_names)
    from .utils import patch_checkpoint_loading, register_offline_weights

    patch_checkpoint_loading()
    register_plain_names()
    register_config_package()  # _base_ = 'libra_plugin::libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py'
    register_offline_weights()  # init_cfg=dict(type='Pretrained', checkpoint='libra://mobilenet_v2')

    __all__ = [
        'BalancedL1Loss', 'BFP', 'CamVidDataset', 'FasterCocoMetric', 'GaussianL1Loss', 'IBFocalLoss', 'IBLossHook',
        'InstanceBalancedPosSampler', 'IoUBalancedNegSampler', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'PiCIE',
        'PiCIEClusterHook', 'PiCIEFPN', 'ResumableCheckpointHook', 'SoftmaxFocalLoss', 'UnsupervisedSegMetric',
        'ChannelsLastHook', 'LossSwitchHook', 'SwitchedLoss', 'TorchRoIAlignHook',
        'DATASETS', 'HOOKS', 'METRICS', 'MODELS', 'SCOPE', 'TASK_UTILS', 'patch_checkpoint_loading',
        'register_offline_weights', '__version__'
    ]
