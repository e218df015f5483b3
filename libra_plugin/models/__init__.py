from .losses import BalancedL1Loss, GaussianL1Loss, IBFocalLoss, LovaszHingeLoss, LovaszSoftmaxLoss
from .necks import BFP
from .task_modules import InstanceBalancedPosSampler, IoUBalancedNegSampler

__all__ = [
    'BalancedL1Loss', 'GaussianL1Loss', 'IBFocalLoss', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'BFP',
    'InstanceBalancedPosSampler', 'IoUBalancedNegSampler'
]
