from .losses import (BalancedL1Loss, GaussianL1Loss, IBFocalLoss, LovaszHingeLoss, LovaszSoftmaxLoss,
                     SoftmaxFocalLoss, SwitchedLoss)
from .necks import BFP, PiCIEFPN
from .segmentors import PiCIE
from .task_modules import InstanceBalancedPosSampler, IoUBalancedNegSampler

__all__ = [
    'BalancedL1Loss', 'GaussianL1Loss', 'IBFocalLoss', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'SoftmaxFocalLoss', 'SwitchedLoss',
    'BFP', 'PiCIEFPN', 'PiCIE',
    'InstanceBalancedPosSampler', 'IoUBalancedNegSampler'
]
