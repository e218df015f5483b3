import pytest
import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.task_modules.samplers import IoUBalancedNegSampler as MMDetIoUBalancedNegSampler
from mmdet.models.task_modules.samplers import InstanceBalancedPosSampler as MMDetInstanceBalancedPosSampler
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmengine.structures import InstanceData

from libra_plugin.models import InstanceBalancedPosSampler, IoUBalancedNegSampler


def _assign_result(num_props=2050, num_gts=50, seed=0):
    """Proposals as in Faster R-CNN's second stage: GT boxes first (IoU 1), then mostly easy negatives."""
    g = torch.Generator().manual_seed(seed)
    n = num_props - num_gts
    ious = torch.where(torch.rand(n, generator=g) < 0.7, torch.rand(n, generator=g) * 0.05,
                       torch.rand(n, generator=g) * 0.75)
    gt_of = torch.randint(1, num_gts + 1, (n, ), generator=g)
    gt_inds = torch.where(ious >= 0.5, gt_of, torch.zeros_like(gt_of))
    return AssignResult(num_gts, torch.cat([torch.arange(1, num_gts + 1), gt_inds]),
                        torch.cat([torch.ones(num_gts), ious]), labels=None)


def _bin_counts(ious, edges):
    return torch.bincount(torch.bucketize(ious, torch.tensor(edges), right=True) - 1, minlength=len(edges) - 1)


def test_all_range_matches_mmdet_statistically():
    result = _assign_result()
    edges = [0, 1 / 6, 1 / 3, 0.5]  # finer than the three bins, to compare the shape of the draws
    ours, ref = torch.zeros(3), torch.zeros(3)
    torch.manual_seed(0)
    for _ in range(100):
        sampler = IoUBalancedNegSampler(512, 0.25, bin_range='all')
        ours += _bin_counts(result.max_overlaps[sampler._sample_neg(result, 384)], edges)
        mm = MMDetIoUBalancedNegSampler(512, 0.25)  # fresh: mmdet's changes floor_thr on its first call
        ref += _bin_counts(result.max_overlaps[mm._sample_neg(result, 384)], edges)
    ours, ref = ours / 100, ref / 100
    assert ours.sum() == ref.sum() == 384
    assert (ours - ref).abs().max() < 3, (ours, ref)


def test_negatives_range_fills_every_bin():
    result = _assign_result()
    ious = result.max_overlaps[IoUBalancedNegSampler(512, 0.25)._sample_neg(result, 384)]
    counts = _bin_counts(ious, [0, 1 / 6, 1 / 3, 0.5])
    assert counts.tolist() == [128, 128, 128]
    hard = (ious > 0.05).float().mean()
    assert hard > 0.6  # the paper's target share of hard negatives; random sampling gives ~0.35 here


def test_stateless_and_seeded():
    result = _assign_result()
    sampler = IoUBalancedNegSampler(512, 0.25, seed=7)
    first = sampler._sample_neg(result, 384)
    assert sampler.floor_thr == -1
    again = IoUBalancedNegSampler(512, 0.25, seed=7)._sample_neg(result, 384)
    assert torch.equal(first, again)
    mm = MMDetIoUBalancedNegSampler(512, 0.25)
    mm._sample_neg(result, 384)
    assert mm.floor_thr == 0  # the upstream state change this sampler avoids


def test_global_rng_reproducible():
    result = _assign_result()
    torch.manual_seed(3)
    a = IoUBalancedNegSampler(512, 0.25)._sample_neg(result, 384)
    torch.manual_seed(3)
    b = IoUBalancedNegSampler(512, 0.25)._sample_neg(result, 384)
    assert torch.equal(a, b)


def test_pos_sampler_matches_mmdet_rule():
    result = _assign_result()
    pos = (result.gt_inds > 0).nonzero().view(-1)
    torch.manual_seed(0)
    ours = InstanceBalancedPosSampler(512, 0.25)._sample_pos(result, 64)
    ref = MMDetInstanceBalancedPosSampler(512, 0.25)._sample_pos(result, 64)
    assert ours.numel() == ref.numel() == 64 and ours.unique().numel() == 64
    assert torch.isin(ours, pos).all()
    per_gt = round(64 / result.gt_inds[pos].unique().numel()) + 1
    assert torch.bincount(result.gt_inds[ours]).max() <= max(per_gt, torch.bincount(result.gt_inds[ref]).max())


def test_combined_sampler_with_plugin_types_samples_an_image():
    sampler = MMDET_TASK_UTILS.build(
        dict(type='CombinedSampler', num=512, pos_fraction=0.25, add_gt_as_proposals=True,
             pos_sampler=dict(type='libra_plugin.InstanceBalancedPosSampler'),
             neg_sampler=dict(type='libra_plugin.IoUBalancedNegSampler', floor_thr=-1, floor_fraction=0,
                              num_bins=3)),
        default_args=dict(context=None))
    assert isinstance(sampler.neg_sampler, IoUBalancedNegSampler)
    assert isinstance(sampler.pos_sampler, InstanceBalancedPosSampler)
    torch.manual_seed(0)
    gts = InstanceData(bboxes=torch.tensor([[10., 10., 60., 60.], [100., 80., 180., 200.]]),
                       labels=torch.tensor([0, 1]))
    xy = torch.rand(1000, 2) * 200
    props = InstanceData(priors=torch.cat([xy, xy + 20 + torch.rand(1000, 2) * 80], 1))
    assigner = MMDET_TASK_UTILS.build(dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
                                           min_pos_iou=0.5))
    res = sampler.sample(assigner.assign(props, gts), props, gts)
    assert res.pos_inds.numel() + res.neg_inds.numel() == 512


def test_empty_gt_image():
    result = AssignResult(0, torch.zeros(300, dtype=torch.long), torch.zeros(300), labels=None)
    assert IoUBalancedNegSampler(512, 0.25)._sample_neg(result, 100).numel() == 100
    assert InstanceBalancedPosSampler(512, 0.25)._sample_pos(result, 100).numel() == 0


@pytest.mark.parametrize('kwargs,message', [
    (dict(floor_thr=-0.5), 'floor_thr must be -1 (no floor) or >= 0, got -0.5'),
    (dict(floor_fraction=1.5), 'floor_fraction must be in [0, 1], got 1.5'),
    (dict(num_bins=0), 'num_bins must be an integer >= 1, got 0'),
    (dict(bin_range='full'), "bin_range must be one of ('negatives', 'all'), got 'full'"),
])
def test_bad_arguments(kwargs, message):  # ids: sampler-num-bins, sampler-floor-fraction
    with pytest.raises(ValueError) as err:
        IoUBalancedNegSampler(512, 0.25, **kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize('sampler', [IoUBalancedNegSampler, InstanceBalancedPosSampler])
@pytest.mark.parametrize('num,pos_fraction,message', [
    (0, 0.25, 'num (samples per image) must be an integer >= 1, got 0'),
    (0.5, 0.25, 'num (samples per image) must be an integer >= 1, got 0.5'),
    (512, 1.5, 'pos_fraction must be a number in [0, 1], got 1.5'),
    (512, -0.1, 'pos_fraction must be a number in [0, 1], got -0.1'),
])
def test_num_and_pos_fraction_checked(sampler, num, pos_fraction, message):  # ids: sampler-num, sampler-pos-fraction
    with pytest.raises(ValueError) as err:
        sampler(num, pos_fraction)
    assert str(err.value) == f'{sampler.__name__}: {message}'


def test_floor_zero_all_range_reproduces_mmdet_training_time_draws():
    """mmdet's sampler after its first call (floor_thr mutated to 0) never draws IoU-0 negatives; ours with
    floor_thr=0, bin_range='all' neither, while ours with floor_thr=-1 does."""
    result = _assign_result()
    easy = (result.max_overlaps < 0.05).nonzero().view(-1)
    result.max_overlaps[easy[::2]] = 0  # background far from every GT
    mm = MMDetIoUBalancedNegSampler(512, 0.25)
    mm._sample_neg(result, 384)
    assert mm.floor_thr == 0
    zero = result.max_overlaps == 0
    torch.manual_seed(0)
    ref = torch.cat([mm._sample_neg(result, 384) for _ in range(20)])
    ours = torch.cat([IoUBalancedNegSampler(512, 0.25, floor_thr=0, bin_range='all')._sample_neg(result, 384)
                      for _ in range(20)])
    default = IoUBalancedNegSampler(512, 0.25, bin_range='all')._sample_neg(result, 384)
    assert zero.sum() > 0
    assert not zero[ref].any() and not zero[ours].any() and zero[default].any()
    edges = [0, 1 / 6, 1 / 3, 0.5]
    diff = (_bin_counts(result.max_overlaps[ours], edges) - _bin_counts(result.max_overlaps[ref], edges)) / 20
    assert diff.abs().max() < 3


def test_pos_sampler_has_no_duplicates_where_mmdet_has():
    """One GT with 200 positives and four with 3: the per-GT draws fall short and the fill takes the rest."""
    gt = torch.zeros(2000, dtype=torch.long)
    gt[:200] = 1
    for k in range(2, 6):
        gt[200 + 3 * k:203 + 3 * k] = k
    result = AssignResult(5, gt, torch.rand(2000), labels=gt.clone())
    torch.manual_seed(0)
    dup = [len(p) - len(p.unique()) for p in (MMDetInstanceBalancedPosSampler(256, 0.25)._sample_pos(result, 64)
                                              for _ in range(20))]
    assert max(dup) > 0  # mmdet's set difference over 0-d tensors removes nothing
    for _ in range(20):
        ours = InstanceBalancedPosSampler(256, 0.25)._sample_pos(result, 64)
        assert len(ours) == len(ours.unique()) == 64


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_sampling_syncs_only_for_nonzero():
    result = _assign_result()
    result = AssignResult(result.num_gts, result.gt_inds.cuda(), result.max_overlaps.cuda(), labels=None)
    sampler = IoUBalancedNegSampler(512, 0.25)
    neg_inds = torch.nonzero(result.gt_inds == 0).view(-1)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        from libra_plugin.functional import iou_balanced_neg_sample
        out = iou_balanced_neg_sample(result.max_overlaps, neg_inds, 384)
    finally:
        torch.cuda.set_sync_debug_mode('default')
    assert out.numel() == 384 and sampler.floor_thr == -1


@pytest.mark.parametrize('cls,kwargs,message', [  # id: sampler-misspelt-option
    ('IoUBalancedNegSampler', dict(floor_thres=0), "got an unexpected keyword argument 'floor_thres'; did you mean "
                                                   "'floor_thr'?"),
    ('IoUBalancedNegSampler', dict(num_bin=3), "got an unexpected keyword argument 'num_bin'; did you mean "
                                               "'num_bins'?"),
    ('InstanceBalancedPosSampler', dict(neg_pos_upper=3), "got an unexpected keyword argument 'neg_pos_upper'; did "
                                                          "you mean 'neg_pos_ub'?"),
    ('InstanceBalancedPosSampler', dict(add_gt_as_proposal=True), "got an unexpected keyword argument "
                                                                  "'add_gt_as_proposal'; did you mean "
                                                                  "'add_gt_as_proposals'?"),
])
def test_misspelt_options_are_errors(cls, kwargs, message):
    import libra_plugin.models as models
    with pytest.raises(TypeError, match=f'{cls}.__init__\\(\\) ' + message.replace('(', r'\(').replace('?', r'\?')):
        getattr(models, cls)(num=8, pos_fraction=0.25, **kwargs)


def test_a_floor_at_or_above_the_negative_threshold_is_an_error():  # id: sampler-floor-above-neg-thr
    from types import SimpleNamespace

    from libra_plugin.models import IoUBalancedNegSampler
    head = SimpleNamespace(bbox_assigner=SimpleNamespace(neg_iou_thr=0.5))  # what mmdet passes as context
    with pytest.raises(ValueError, match=r"floor_thr=0.5 is not below the assigner's neg_iou_thr=0.5: every "
                                         'negative lies below the floor and would be drawn at random'):
        IoUBalancedNegSampler(num=8, pos_fraction=0.25, floor_thr=0.5, context=head)
    IoUBalancedNegSampler(num=8, pos_fraction=0.25, floor_thr=0.1, context=head)  # below: fine
