from .balanced_l1_loss import BalancedL1Loss
from .gaussian_l1_loss import GaussianL1Loss

__all__ = ['BalancedL1Loss', 'GaussianL1Loss']
