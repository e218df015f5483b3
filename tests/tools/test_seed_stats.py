"""The statistics of the multi-seed comparison against hand-computed values."""
import math
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools'))
from seed_stats import fmt_difference, fmt_mean_std, paired_difference, summary, t_quantile  # noqa: E402


def test_summary_mean_and_sample_std():
    s = summary([30.0, 32.0, 37.0])
    # mean 33; deviations -3, -1, 4; sum of squares 26; sd = sqrt(26 / 2) = 3.6056
    assert s['n'] == 3 and s['mean'] == pytest.approx(33.0) and s['std'] == pytest.approx(math.sqrt(13))
    assert summary([5.0]) == dict(n=1, mean=5.0, std=0.0)
    assert summary([])['n'] == 0


def test_t_quantiles_match_the_table():
    # Student t, two-sided 95 %: 12.706 (1 dof), 4.303 (2), 2.776 (4), 2.262 (9)
    for dof, t in ((1, 12.706), (2, 4.303), (4, 2.776), (9, 2.262)):
        assert t_quantile(0.975, dof) == pytest.approx(t, abs=1e-3)


def test_paired_difference_interval():
    # diffs 1, 1, 2: mean 4/3, sd sqrt(1/3), se = sd / sqrt(3) = 1/3; half-width 4.303 / 3 = 1.4343
    d = paired_difference([31.0, 33.0, 36.0], [30.0, 32.0, 34.0])
    assert d['n'] == 3 and d['mean'] == pytest.approx(4 / 3)
    assert d['low'] == pytest.approx(4 / 3 - 4.3027 / 3, abs=1e-3)
    assert d['high'] == pytest.approx(4 / 3 + 4.3027 / 3, abs=1e-3)
    assert not d['significant']
    # diffs 2, 2.2, 1.8, 2.1: mean 2.025, sd 0.17078, se 0.08539, half 2.3534 * ... (t 3.182 with 3 dof) = 0.2717
    d = paired_difference([12.0, 12.2, 11.8, 12.1], [10.0] * 4)
    assert d['low'] == pytest.approx(2.025 - 3.1824 * 0.085391, abs=1e-3) and d['significant']
    neg = paired_difference([10.0] * 4, [12.0, 12.2, 11.8, 12.1])
    assert neg['high'] < 0 and neg['significant']


def test_one_pair_has_no_interval_and_mismatched_seeds_are_an_error():
    d = paired_difference([3.0], [1.0])
    assert d['mean'] == 2.0 and math.isnan(d['low']) and not d['significant']
    with pytest.raises(ValueError, match='paired values need the same seeds: 2 vs 3 values'):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_formatting():
    assert fmt_mean_std(summary([30.0, 32.0, 37.0])) == '33.0 ± 3.6'
    assert fmt_mean_std(summary([5.0])) == '5.0'
    assert fmt_difference(paired_difference([12.0, 12.2, 11.8, 12.1], [10.0] * 4)) == '+2.0 [+1.8, +2.3]*'
    assert fmt_difference(paired_difference([31.0, 33.0, 36.0], [30.0, 32.0, 34.0])) == '+1.3 [-0.1, +2.8]'
