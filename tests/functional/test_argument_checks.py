"""``functional`` checks its arguments at its public boundary (no OpenMMLab needed), and exports every public
function of its modules."""
import importlib
import inspect
import pkgutil

import pytest
import torch

import libra_plugin.functional as F

X, T = torch.zeros(3, 4), torch.zeros(3, 4)
PROBS, LABELS = torch.full((2, 3, 4, 4), 1 / 3), torch.zeros(2, 4, 4, dtype=torch.long)
IOUS, NEG = torch.rand(100), torch.arange(100)
LEVELS = [torch.zeros(1, 2, 8, 8), torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 2, 2)]

BAD_CALLS = {
    'balanced_l1 beta': (lambda: F.balanced_l1(X, T, beta=0), 'beta must be a finite number > 0, got 0'),
    'balanced_l1 alpha': (lambda: F.balanced_l1(X, T, alpha=-1.0), 'alpha must be a finite number > 0, got -1.0'),
    'balanced_l1 shape': (lambda: F.balanced_l1(X, T[:, :2]),
                          'pred and target must have the same shape, got (3, 4) and (3, 2)'),
    'gaussian_l1 sigma': (lambda: F.gaussian_l1(X, T, sigma=float('nan')),
                          'sigma must be a finite number > 0, got nan'),
    'gaussian_l1 weight': (lambda: F.gaussian_l1(X, T, gaussian_weight=-1),
                           'gaussian_weight must be >= 0, got -1'),
    'lovasz_softmax classes': (lambda: F.lovasz_softmax(PROBS, LABELS, classes='presnt'),
                               "classes must be 'present', 'all' or a list of class indices, got 'presnt'"),
    'lovasz_softmax class index': (lambda: F.lovasz_softmax(PROBS, LABELS, classes=[0, 3]),
                                   'classes must be indices in [0, 2], got [0, 3]'),
    'lovasz_softmax reduction': (lambda: F.lovasz_softmax(PROBS, LABELS, reduction='avg'),
                                 "reduction must be one of ('none', 'mean', 'sum'), got 'avg'"),
    'lovasz_softmax labels': (lambda: F.lovasz_softmax(PROBS, LABELS[:, :2]),
                              'labels (2, 2, 4) must be probs (2, 3, 4, 4) without its class dimension'),
    'lovasz_hinge labels': (lambda: F.lovasz_hinge(X, T[:, :2]),
                            'labels (3, 2) must have the shape of logits (3, 4)'),
    'iou_balanced bin_range': (lambda: F.iou_balanced_neg_sample(IOUS, NEG, 10, bin_range='foo'),
                               "bin_range must be one of ('negatives', 'all'), got 'foo'"),
    'iou_balanced num_bins': (lambda: F.iou_balanced_neg_sample(IOUS, NEG, 10, num_bins=0),
                              'num_bins must be an integer >= 1, got 0'),
    'iou_balanced floor_thr': (lambda: F.iou_balanced_neg_sample(IOUS, NEG, 10, floor_thr=-0.5),
                               'floor_thr must be -1 (no floor) or >= 0, got -0.5'),
    'iou_balanced floor_fraction': (lambda: F.iou_balanced_neg_sample(IOUS, NEG, 10, floor_fraction=2),
                                    'floor_fraction must be in [0, 1], got 2'),
    'iou_balanced num_expected': (lambda: F.iou_balanced_neg_sample(IOUS, NEG, -1),
                                  'num_expected must be an integer >= 0, got -1'),
    'instance_balanced num_expected': (lambda: F.instance_balanced_pos_sample(NEG, NEG, 2.5),
                                       'num_expected must be an integer >= 0, got 2.5'),
    'integrate_levels refine_level': (lambda: F.integrate_levels(LEVELS, 3),
                                      'refine_level must be an integer in [0, 2] (num_levels=3), got 3'),
    'scatter_levels one level': (lambda: F.scatter_levels(LEVELS[0], LEVELS[:1], 0),
                                 'num_levels must be an integer >= 2, got 1'),
    'max_pool_to larger': (lambda: F.max_pool_to(LEVELS[1], (8, 8)),
                           'max_pool_to: size (8, 8) must be positive and at most the input size (4, 4)'),
    'ib_focal gamma': (lambda: F.ib_focal(PROBS, LABELS, None, gamma=-1), 'gamma must be >= 0, got -1'),
}


@pytest.mark.parametrize('name', sorted(BAD_CALLS))
def test_bad_arguments_name_the_argument(name):  # id: functional-args
    call, message = BAD_CALLS[name]
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == message


def test_good_values_pass_the_checks():
    F.check_balanced_l1_args(0.5, 1.5, 0.11)
    F.check_gaussian_l1_args(0.1, 0.0)
    F.check_classes([0, 2], 3)
    F.check_neg_sample_args(0, 1, 3, 'all')
    F.check_levels(5, 4)


def test_every_public_function_is_exported():
    defined = set()
    for info in pkgutil.iter_modules(F.__path__):
        module = importlib.import_module(f'{F.__name__}.{info.name}')
        defined |= {name for name, obj in vars(module).items() if not name.startswith('_')
                    and (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__}
    assert defined == set(F.__all__) - {'REDUCTIONS', 'BIN_RANGES'}
