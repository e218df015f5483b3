from .balanced_l1_loss import BalancedL1Loss

__all__ = ['BalancedL1Loss']
