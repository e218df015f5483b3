"""Pure-torch maths of every libra_plugin module; importable without any OpenMMLab package.

Each public function checks its arguments (ValueError naming the argument and what is allowed); the ``check_*``
functions are the same checks, for modules that validate their configuration when they are built.
"""
from .balanced_l1 import balanced_l1, check_balanced_l1_args
from .checks import check_same_shape
from .cluster_matching import histogram, legacy_block_scores, match_clusters, matched_confusion, matched_scores
from .gaussian_l1 import check_gaussian_l1_args, gaussian_l1
from .ib_focal import auto_alpha, feature_l1_norm, ib_focal, ib_sigmoid_focal
from .kmeans import MiniBatchKMeans, assign, kmeans, kmeans_pp, lloyd
from .lovasz import check_classes, lovasz_hinge, lovasz_softmax
from .picie_views import crop_flip, draw_view, photometric
from .pyramid import (check_level_shapes, check_levels, embedded_gaussian_attention, integrate_levels, max_pool_to,
                      scatter_levels)
from .roi_align import roi_align
from .reduction import REDUCTIONS, check_avg_factor, check_reduction, masked_mean, weight_reduce_loss
from .sampling import (BIN_RANGES, check_neg_sample_args, instance_balanced_pos_sample, iou_balanced_neg_sample,
                       quota_per_group, rank_within_groups)

__all__ = [
    'balanced_l1', 'check_balanced_l1_args', 'check_same_shape', 'histogram', 'legacy_block_scores',
    'match_clusters', 'matched_confusion', 'matched_scores', 'check_gaussian_l1_args', 'gaussian_l1',
    'auto_alpha', 'feature_l1_norm', 'ib_focal', 'ib_sigmoid_focal', 'roi_align', 'MiniBatchKMeans', 'assign', 'kmeans', 'kmeans_pp', 'lloyd', 'check_classes',
    'lovasz_hinge', 'lovasz_softmax', 'crop_flip', 'draw_view', 'photometric', 'check_level_shapes', 'check_levels',
    'embedded_gaussian_attention', 'integrate_levels', 'max_pool_to', 'scatter_levels', 'REDUCTIONS', 'check_avg_factor', 'check_reduction',
    'masked_mean', 'weight_reduce_loss', 'BIN_RANGES', 'check_neg_sample_args', 'instance_balanced_pos_sample',
    'iou_balanced_neg_sample', 'quota_per_group', 'rank_within_groups'
]
