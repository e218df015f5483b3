from .losses import BalancedL1Loss, GaussianL1Loss
from .necks import BFP
from .task_modules import InstanceBalancedPosSampler, IoUBalancedNegSampler

__all__ = ['BalancedL1Loss', 'GaussianL1Loss', 'BFP', 'InstanceBalancedPosSampler', 'IoUBalancedNegSampler']
