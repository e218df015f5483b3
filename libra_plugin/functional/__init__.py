"""Pure-torch maths of every libra_plugin module; importable without any OpenMMLab package."""
from .balanced_l1 import balanced_l1
from .gaussian_l1 import gaussian_l1
from .ib_focal import ib_focal
from .lovasz import lovasz_hinge, lovasz_softmax
from .pyramid import embedded_gaussian_attention, integrate_levels, max_pool_to, scatter_levels
from .reduction import REDUCTIONS, check_avg_factor, check_reduction, weight_reduce_loss
from .sampling import BIN_RANGES, instance_balanced_pos_sample, iou_balanced_neg_sample, rank_within_groups

__all__ = [
    'balanced_l1', 'gaussian_l1', 'ib_focal', 'lovasz_hinge', 'lovasz_softmax', 'embedded_gaussian_attention',
    'integrate_levels', 'max_pool_to', 'scatter_levels', 'REDUCTIONS', 'check_avg_factor', 'check_reduction',
    'weight_reduce_loss', 'BIN_RANGES', 'instance_balanced_pos_sample',
    'iou_balanced_neg_sample', 'rank_within_groups'
]
