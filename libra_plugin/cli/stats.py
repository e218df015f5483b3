"""Statistics for comparing training recipes over seeds: mean ± std, and paired differences with a Student-t
interval (the same seed trains both recipes, so seed-to-seed variation common to both cancels), the t-test's
p-value, an exact paired sign-flip (permutation) p-value that needs no normality, and the Holm–Bonferroni
correction over the tests of one table.

    >>> summary([30.0, 32.0, 34.0])
    {'n': 3, 'mean': 32.0, 'std': 2.0}
    >>> d = paired_difference([31.0, 33.0, 36.0], [30.0, 32.0, 34.0])
    >>> [round(d[k], 3) for k in ('mean', 'low', 'high', 'p_signflip')], d['significant']
    ([1.333, -0.101, 2.768, 0.25], False)

Five seeds are the default of the experiment tool: the smallest two-sided sign-flip p is ``2 / 2^n``
(0.25 at 3 seeds, 0.0625 at 5), so with fewer pairs no significance can stand without the t-test's normality.
"""
import itertools
import math
from typing import Dict, List, Optional, Sequence

ALPHA = 0.05


def t_quantile(p: float, dof: int) -> float:
    """Quantile ``p`` of Student's t with ``dof`` degrees of freedom."""
    from scipy.stats import t
    return float(t.ppf(p, dof))


def summary(values: Sequence[float]) -> Dict[str, float]:
    """``n``, ``mean`` and the sample standard deviation ``std`` (n - 1 in the denominator; 0 for one value)."""
    n = len(values)
    if n == 0:
        return dict(n=0, mean=math.nan, std=math.nan)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return dict(n=n, mean=mean, std=std)


def signflip_p(diffs: Sequence[float]) -> float:
    """Exact two-sided paired sign-flip p-value: the share of the ``2^n`` sign patterns of the differences whose
    mean is at least as far from 0 as the observed one (the observed pattern included). 1.0 for no differences."""
    n = len(diffs)
    if n == 0:
        return 1.0
    if n > 20:
        raise ValueError(f'signflip_p enumerates 2^n sign patterns: at most 20 pairs, got {n}')
    observed = abs(sum(diffs)) - 1e-9 * max(1.0, sum(abs(d) for d in diffs))  # ties count as extreme
    hits = sum(abs(sum(s * d for s, d in zip(signs, diffs))) >= observed
               for signs in itertools.product((1, -1), repeat=n))
    return hits / 2 ** n


def paired_difference(values: Sequence[float], baseline: Sequence[float], level: float = 0.95) -> Dict:
    """Mean of ``values[i] - baseline[i]`` with its ``level`` Student-t interval
    ``mean ± t_{(1+level)/2, n-1} · sd / √n``, the two-sided t-test p-value ``p_t`` and the exact sign-flip
    p-value ``p_signflip``. ``significant`` (uncorrected) when the interval excludes 0; see :func:`holm` for a table.

    All differences equal (``std`` 0, possible with metrics in 0.1-point steps) give an interval of zero width: the
    t-test does not apply there (``zero_width`` True, ``p_t`` NaN, never significant); the sign-flip p still does.
    """
    if len(values) != len(baseline):
        raise ValueError(f'paired values need the same seeds: {len(values)} vs {len(baseline)} values')
    diffs = [a - b for a, b in zip(values, baseline)]
    s = summary(diffs)
    n = s['n']
    out = dict(n=n, mean=s['mean'], std=s['std'], low=math.nan, high=math.nan, p_t=math.nan,
               p_signflip=signflip_p(diffs), zero_width=False, significant=False)
    if n < 2:
        return out
    if s['std'] <= 1e-12 * max(1.0, abs(s['mean'])):
        return dict(out, low=s['mean'], high=s['mean'], zero_width=True)
    from scipy.stats import t
    se = s['std'] / math.sqrt(n)
    half = t_quantile((1 + level) / 2, n - 1) * se
    low, high = s['mean'] - half, s['mean'] + half
    return dict(out, low=low, high=high, p_t=float(2 * t.sf(abs(s['mean']) / se, n - 1)),
                significant=bool(low > 0 or high < 0))


def holm(pvalues: Sequence[float], alpha: float = ALPHA) -> List[bool]:
    """Holm–Bonferroni: sort the ``m`` finite p-values, reject the i-th smallest while it is below
    ``alpha / (m − i + 1)``, stop at the first that is not. NaN p-values (no test) are not in the family and are
    never rejected. Returns one flag per input, in the input's order."""
    tested = sorted((p, i) for i, p in enumerate(pvalues) if not math.isnan(p))
    m = len(tested)
    out = [False] * len(pvalues)
    for rank, (p, i) in enumerate(tested):
        if p >= alpha / (m - rank):
            break
        out[i] = True
    return out


def correct(diffs: Sequence[Dict], alpha: float = ALPHA) -> int:
    """Holm-correct the t-tests of one table's paired differences in place (``d['holm']``); returns the family
    size (the differences that had a t-test)."""
    flags = holm([d['p_t'] for d in diffs], alpha)
    for d, flag in zip(diffs, flags):
        d['holm'] = flag
    return sum(not math.isnan(d['p_t']) for d in diffs)


def holm_note(family: int, what: str) -> str:
    """The footnote of a table of paired differences corrected by :func:`correct`."""
    return (f'Paired differences (config − baseline, same seed) in points: mean [raw 95 % Student-t interval], '
            f'p_sf = exact two-sided sign-flip p-value (at least 2/2^n). * marks a t-test significant at 0.05 after '
            f'Holm–Bonferroni over the family of the {family} paired t-tests of this table ({what}); an interval '
            'of zero width (all differences equal) has no t-test and no mark.')


def fmt_mean_std(s: Dict[str, float], digits: int = 1) -> str:
    if s['n'] == 0 or math.isnan(s['mean']):
        return 'n/a'
    return f"{s['mean']:.{digits}f}" + (f" ± {s['std']:.{digits}f}" if s['n'] > 1 else '')


def signed(x: float, digits: int = 1) -> str:
    """``x`` with its sign; a non-zero value that rounds to 0 gets up to 3 more digits so that its sign and size
    stay visible (-0.006 is ``-0.01``, never ``-0.0``); 0, and float residue below 1e-9 (the mean of differences
    that cancel, e.g. -2.8e-17), is ``0.0``."""
    if abs(x) < 1e-9:
        return f'{0:.{digits}f}'
    for d in range(digits, digits + 4):
        text = f'{x:+.{d}f}'
        if float(text) != 0:
            return text
    return f'{x:+.{digits + 3}f}'


def fmt_difference(d: Optional[Dict], digits: int = 1) -> str:
    """``+1.3 [-0.1, +2.8] p_sf 0.25``, with ``*`` when significant (after Holm where :func:`correct` ran)."""
    if d is None or d['n'] == 0 or math.isnan(d['mean']):
        return 'n/a'
    if d['n'] < 2:
        return signed(d['mean'], digits)
    mark = d.get('holm', d['significant'])
    return (f"{signed(d['mean'], digits)} [{signed(d['low'], digits)}, {signed(d['high'], digits)}]"
            + ('*' if mark else '') + f" p_sf {d['p_signflip']:.2g}")
