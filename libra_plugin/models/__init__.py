from .losses import BalancedL1Loss, GaussianL1Loss, LovaszHingeLoss, LovaszSoftmaxLoss
from .necks import BFP
from .task_modules import InstanceBalancedPosSampler, IoUBalancedNegSampler

__all__ = [
    'BalancedL1Loss', 'GaussianL1Loss', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'BFP', 'InstanceBalancedPosSampler',
    'IoUBalancedNegSampler'
]
