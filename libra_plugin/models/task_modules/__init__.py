from .samplers import InstanceBalancedPosSampler, IoUBalancedNegSampler

__all__ = ['InstanceBalancedPosSampler', 'IoUBalancedNegSampler']
