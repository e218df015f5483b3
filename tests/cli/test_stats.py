"""The statistics of the multi-seed comparison against hand-computed values."""
import math

import pytest

from libra_plugin.cli.stats import (correct, fmt_difference, fmt_mean_std, holm, holm_note, paired_difference, signed,
                                    signflip_p, summary, t_quantile)


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
    assert fmt_difference(paired_difference([12.0, 12.2, 11.8, 12.1], [10.0] * 4)) == '+2.0 [+1.8, +2.3]* p_sf 0.12'
    assert fmt_difference(paired_difference([31.0, 33.0, 36.0], [30.0, 32.0, 34.0])) == '+1.3 [-0.1, +2.8] p_sf 0.25'


def test_signflip_p_enumerates_every_sign_pattern():
    # |d| = 1, 2, 3: only the all-plus and all-minus patterns reach |sum| 6 -> 2 / 8
    assert signflip_p([1.0, 2.0, 3.0]) == 0.25
    # d = 1, -0.5, 2, 3 (sum 5.5): |±1 ±0.5 ±2 ±3| >= 5.5 for (+ + + +), (+ - + +) and their negatives -> 4 / 16
    assert signflip_p([1.0, -0.5, 2.0, 3.0]) == 0.25
    assert signflip_p([0.3] * 5) == pytest.approx(2 / 32)  # the smallest two-sided p at five seeds
    assert signflip_p([1.0, -1.0]) == 1.0 and signflip_p([]) == 1.0
    d = paired_difference([31.0, 33.0, 36.0, 30.0, 34.0], [30.0, 32.0, 34.0, 31.0, 32.0])
    assert d['p_signflip'] == signflip_p([1.0, 1.0, 2.0, -1.0, 2.0])


def test_t_test_p_value_matches_scipy():
    from scipy.stats import ttest_rel
    a, b = [31.0, 33.0, 36.0, 30.0, 34.0], [30.0, 32.0, 34.0, 31.0, 32.0]
    assert paired_difference(a, b)['p_t'] == pytest.approx(ttest_rel(a, b).pvalue, rel=1e-9)


def test_holm_by_hand():
    # m = 4: 0.005 < 0.05/4, 0.01 < 0.05/3, then 0.03 >= 0.05/2 stops (0.04 is not looked at)
    assert holm([0.01, 0.04, 0.03, 0.005]) == [True, False, False, True]
    # 0.03 < 0.05 uncorrected, but not < 0.05/3 or 0.05/2: nothing survives
    assert holm([0.03, 0.2, 0.5]) == [False, False, False]
    assert holm([0.01, math.nan, 0.02]) == [True, False, True]  # no test: out of the family (m = 2)
    diffs = [paired_difference([12.0, 12.2, 11.8, 12.1], [10.0] * 4),  # p_t about 1e-4
             paired_difference([10.5, 10.2, 10.9, 10.4], [10.0] * 4),  # p_t about 0.03: significant raw only
             paired_difference([10.1, 9.8, 10.3, 9.9], [10.0] * 4),  # p_t about 0.8
             paired_difference([10.1] * 4, [10.0] * 4)]  # zero width: no t-test
    assert diffs[1]['significant'] and 0.02 < diffs[1]['p_t'] < 0.05
    assert correct(diffs) == 3  # 0.043 >= 0.05 / 2 after the first
    assert [d['holm'] for d in diffs] == [True, False, False, False]
    assert fmt_difference(diffs[1]).startswith('+0.5 [') and '*' not in fmt_difference(diffs[1])
    assert 'family of the 2 paired t-tests of this table (rows x metrics)' in holm_note(2, 'rows x metrics')


def test_zero_width_interval_has_no_t_test_and_is_never_significant():
    d = paired_difference([1.1, 1.1, 1.1], [1.0, 1.0, 1.0])  # every difference 0.1: sd 0
    assert d['zero_width'] and not d['significant'] and math.isnan(d['p_t'])
    assert d['low'] == d['high'] == pytest.approx(0.1) and d['p_signflip'] == 0.25
    assert fmt_difference(d) == '+0.1 [+0.1, +0.1] p_sf 0.25'
    zero = paired_difference([1.0, 2.0], [1.0, 2.0])
    assert zero['zero_width'] and not zero['significant'] and fmt_difference(zero) == '0.0 [0.0, 0.0] p_sf 1'


def test_signed_keeps_the_sign_of_small_values():
    assert signed(-0.006) == '-0.01' and signed(0.04) == '+0.04' and signed(-0.0004) == '-0.0004'
    assert signed(0.0) == '0.0' and signed(-0.0) == '0.0' and signed(1.26) == '+1.3' and signed(-2.0) == '-2.0'
    assert signed(1e-6) == '+0.0000' and signed(-2.8e-17) == '0.0' and signed(4e-10) == '0.0'  # float residue
    d = dict(n=3, mean=0.5, low=-0.006, high=1.0, p_signflip=0.25, significant=False)
    assert fmt_difference(d) == '+0.5 [-0.01, +1.0] p_sf 0.25'  # not '-0.0'
