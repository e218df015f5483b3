"""Timing and memory helpers shared by the side-by-side benchmarks (ours vs the mmdet/mmseg built-in)."""
import resource
import statistics
import time
from typing import Callable, Dict, List

import torch


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_ms(fn: Callable[[], object], device: str = 'cpu', warmup: int = 3, repeats: int = 20) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    sync(device)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync(device)
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def interleaved_ms(fns: Dict[str, Callable[[], object]], device: str = 'cpu', warmup: int = 3,
                   repeats: int = 20) -> Dict[str, float]:
    """Median times of several functions measured in alternation, so drifts of the machine hit all alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: Dict[str, List[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            sync(device)
            start = time.perf_counter()
            fn()
            sync(device)
            samples[name].append((time.perf_counter() - start) * 1e3)
    return {k: statistics.median(v) for k, v in samples.items()}


def rss_mib() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, rows: List[Dict[str, object]], columns: List[str]) -> None:
    """Markdown table: one row per measured quantity."""
    print(f'\n### {title}\n')
    print('| ' + ' | '.join(columns) + ' |')
    print('|' + '---|' * len(columns))
    for row in rows:
        print('| ' + ' | '.join(_fmt(row.get(c, '')) for c in columns) + ' |')


def _fmt(v: object) -> str:
    return f'{v:.3g}' if isinstance(v, float) else str(v)
