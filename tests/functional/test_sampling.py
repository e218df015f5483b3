import pytest
import torch

from libra_plugin.functional import (instance_balanced_pos_sample, iou_balanced_neg_sample,
                                     rank_within_groups)


def test_rank_within_groups_matches_sorting_each_group():
    torch.manual_seed(0)
    group = torch.randint(-2, 5, (200, ))
    key = torch.rand(200)
    ranks = rank_within_groups(group, key)
    for g in group.unique():
        members = (group == g).nonzero().view(-1)
        expected = torch.empty_like(members)
        expected[torch.argsort(key[members])] = torch.arange(members.numel())
        assert torch.equal(ranks[members], expected)


def _bins(ious, edges):
    return torch.bucketize(ious, torch.tensor(edges), right=True) - 1


def test_neg_returns_all_when_few():
    neg = torch.arange(10)
    assert torch.equal(iou_balanced_neg_sample(torch.rand(10), neg, 10), neg)


def test_neg_exact_count_unique_subset():
    torch.manual_seed(0)
    ious = torch.rand(3000) * 0.5
    neg = torch.randperm(3000)[:2000]
    out = iou_balanced_neg_sample(ious, neg, 384)
    assert out.numel() == 384 and out.unique().numel() == 384
    assert torch.isin(out, neg).all()


def test_neg_negatives_range_gives_equal_bins():
    # 1800 easy negatives in [0, 1/6), 150 in each upper third of [0, 0.5]: 128 per bin are available everywhere,
    # so the quota int(384 / 3) = 128 is met in each bin exactly.
    torch.manual_seed(0)
    ious = torch.cat([torch.rand(1800) / 6, 1 / 6 + torch.rand(150) / 6, 2 / 6 + torch.rand(149) / 6,
                      torch.tensor([0.5])])
    out = iou_balanced_neg_sample(ious, torch.arange(ious.numel()), 384, bin_range='negatives')
    counts = torch.bincount(_bins(ious[out], [0, 1 / 6, 2 / 6, 0.5 + 1e-6]).clamp(0, 2), minlength=3)
    assert counts.tolist() == [128, 128, 128]


def test_neg_all_range_leaves_upper_bins_empty_like_mmdet():
    # mmdet's bins run to the largest IoU of any proposal (a GT box: 1.0); negatives stop at 0.5, so only the first
    # bin [0, 1/3) is IoU-balanced, the second holds [1/3, 0.5) and the third nothing.
    torch.manual_seed(0)
    neg_ious = torch.rand(2000) * 0.5
    ious = torch.cat([neg_ious, torch.ones(5)])
    out = iou_balanced_neg_sample(ious, torch.arange(2000), 384, bin_range='all')
    counts = torch.bincount(_bins(ious[out], [0, 1 / 3, 2 / 3, 1.0]), minlength=3)
    assert counts[2] == 0
    assert counts[1] >= 128  # the quota, plus its share of the uniform fill


def test_neg_floor_fraction_takes_its_share_below_floor():
    torch.manual_seed(0)
    ious = torch.cat([torch.zeros(1500), 0.1 + torch.rand(500) * 0.4])
    out = iou_balanced_neg_sample(ious, torch.arange(2000), 400, floor_thr=0.1, floor_fraction=0.25)
    # mmdet: int(400 * 0.75) = 300 IoU-balanced above the floor, the other 100 below it
    assert (ious[out] < 0.1).sum() == 100


def test_neg_floor_shortfall_is_filled_from_iou_set():
    torch.manual_seed(0)
    ious = torch.cat([torch.zeros(20), 0.1 + torch.rand(1980) * 0.4])
    out = iou_balanced_neg_sample(ious, torch.arange(2000), 400, floor_thr=0.1, floor_fraction=0.5)
    assert out.numel() == 400 and (ious[out] < 0.1).sum() == 20


def test_neg_floor_zero_means_exactly_zero_iou_is_floor():
    torch.manual_seed(0)
    ious = torch.cat([torch.zeros(1000), torch.rand(1000) * 0.5 + 1e-4])
    out = iou_balanced_neg_sample(ious, torch.arange(2000), 200, floor_thr=0, floor_fraction=0.5)
    assert (ious[out] == 0).sum() == 100


def test_neg_generator_reproducible():
    ious = torch.rand(2000) * 0.5
    neg = torch.arange(2000)
    a = iou_balanced_neg_sample(ious, neg, 256, generator=torch.Generator().manual_seed(3))
    b = iou_balanced_neg_sample(ious, neg, 256, generator=torch.Generator().manual_seed(3))
    c = iou_balanced_neg_sample(ious, neg, 256, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize('bin_range', ['negatives', 'all'])
def test_neg_runs_on_meta_device_so_never_reads_values_on_host(bin_range):
    # Any .item()/.tolist()/.cpu() or value-dependent Python branch fails on the meta device.
    ious = torch.empty(2050, device='meta')
    neg = torch.empty(1900, dtype=torch.long, device='meta')
    out = iou_balanced_neg_sample(ious, neg, 384, floor_thr=0.05, floor_fraction=0.2, bin_range=bin_range)
    assert out.shape == (384, ) and out.device.type == 'meta'


def test_pos_runs_on_meta_device():
    out = instance_balanced_pos_sample(torch.empty(2000, dtype=torch.long, device='meta'),
                                       torch.empty(300, dtype=torch.long, device='meta'), 128)
    assert out.shape == (128, )


def test_pos_per_gt_quota_then_fill():
    # 3 GTs with 100, 5 and 50 positives, 30 wanted: round(30 / 3) + 1 = 11 per GT -> 11 + 5 + 11 = 27 first,
    # then 3 drawn from the other positives.
    torch.manual_seed(0)
    gt_inds = torch.tensor([1] * 100 + [2] * 5 + [3] * 50 + [0] * 45)
    out = instance_balanced_pos_sample(gt_inds, torch.arange(155), 30)
    counts = torch.bincount(gt_inds[out], minlength=4)
    assert out.unique().numel() == 30
    assert counts[2] == 5 and counts[1] >= 11 and counts[3] >= 11 and counts[1] + counts[3] == 25


def test_pos_cut_when_quota_overshoots():
    # 10 GTs with 20 positives each, 16 wanted: round(1.6) + 1 = 3 each -> 30 picks, cut to 16 at random
    torch.manual_seed(0)
    gt_inds = torch.arange(1, 11).repeat_interleave(20)
    out = instance_balanced_pos_sample(gt_inds, torch.arange(200), 16)
    assert out.unique().numel() == 16
    assert torch.bincount(gt_inds[out]).max() <= 3


def test_quota_per_group_picks_smallest_keys_per_group():
    from libra_plugin.functional.sampling import quota_per_group
    group = torch.tensor([0, 0, 0, 1, 1, 2, -1, 0])
    key = torch.tensor([0.5, 0.1, 0.9, 0.3, 0.2, 0.7, 0.0, 0.4])
    # quota 2: group 0 -> keys 0.1, 0.4; group 1 -> both; group 2 -> its only member; group -1 never
    assert quota_per_group(group, key, 2, 3).tolist() == [False, True, False, True, True, True, False, True]
    assert not quota_per_group(group, key, 0, 3).any()
