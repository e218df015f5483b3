from .instance_balanced_pos_sampler import InstanceBalancedPosSampler
from .iou_balanced_neg_sampler import IoUBalancedNegSampler

__all__ = ['InstanceBalancedPosSampler', 'IoUBalancedNegSampler']
