from .balanced_l1_loss import BalancedL1Loss
from .base import set_finite_check
from .gaussian_l1_loss import GaussianL1Loss
from .ib_focal_loss import IBFocalLoss
from .lovasz_loss import LovaszHingeLoss, LovaszSoftmaxLoss
from .softmax_focal_loss import SoftmaxFocalLoss

__all__ = ['BalancedL1Loss', 'GaussianL1Loss', 'IBFocalLoss', 'LovaszHingeLoss', 'LovaszSoftmaxLoss', 'SoftmaxFocalLoss',
           'set_finite_check']
