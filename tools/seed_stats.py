"""Statistics for comparing training recipes over seeds: mean ± std, and paired differences with a Student-t
interval (the same seed trains both recipes, so seed-to-seed variation common to both cancels).

    >>> summary([30.0, 32.0, 34.0])
    {'n': 3, 'mean': 32.0, 'std': 2.0}
    >>> d = paired_difference([31.0, 33.0, 36.0], [30.0, 32.0, 34.0])
    >>> [round(d[k], 3) for k in ('mean', 'low', 'high')], d['significant']
    ([1.333, -0.101, 2.768], False)
"""
import math
from typing import Dict, Optional, Sequence


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


def paired_difference(values: Sequence[float], baseline: Sequence[float], level: float = 0.95) -> Dict:
    """Mean of ``values[i] - baseline[i]`` with its ``level`` Student-t interval
    ``mean ± t_{(1+level)/2, n-1} · sd / √n``; ``significant`` when the interval excludes 0 (needs n >= 2)."""
    if len(values) != len(baseline):
        raise ValueError(f'paired values need the same seeds: {len(values)} vs {len(baseline)} values')
    diffs = [a - b for a, b in zip(values, baseline)]
    s = summary(diffs)
    n = s['n']
    if n < 2:
        return dict(n=n, mean=s['mean'], std=s['std'], low=math.nan, high=math.nan, significant=False)
    half = t_quantile((1 + level) / 2, n - 1) * s['std'] / math.sqrt(n)
    low, high = s['mean'] - half, s['mean'] + half
    return dict(n=n, mean=s['mean'], std=s['std'], low=low, high=high, significant=bool(low > 0 or high < 0))


def fmt_mean_std(s: Dict[str, float], digits: int = 1) -> str:
    if s['n'] == 0 or math.isnan(s['mean']):
        return 'n/a'
    return f"{s['mean']:.{digits}f}" + (f" ± {s['std']:.{digits}f}" if s['n'] > 1 else '')


def fmt_difference(d: Optional[Dict], digits: int = 1) -> str:
    """``+1.3 [-0.1, +2.8]``, with ``*`` when significant."""
    if d is None or d['n'] == 0 or math.isnan(d['mean']):
        return 'n/a'
    if d['n'] < 2:
        return f"{d['mean']:+.{digits}f}"
    return (f"{d['mean']:+.{digits}f} [{d['low']:+.{digits}f}, {d['high']:+.{digits}f}]"
            + ('*' if d['significant'] else ''))
