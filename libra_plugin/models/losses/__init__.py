from .balanced_l1_loss import BalancedL1Loss
from .base import set_finite_check
from .gaussian_l1_loss import GaussianL1Loss
from .ib_focal_loss import IBFocalLoss
from .lovasz_loss import LovaszHingeLoss, LovaszSoftmaxLoss
from .softmax_focal_loss import SoftmaxFocalLoss
from .switched_loss import SwitchedLoss

__all__ = ['BalancedL1Loss', 'GaussianL1Loss', 'IBFocalLoss', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'SoftmaxFocalLoss',
           'SwitchedLoss', 'set_finite_check']
