"""Timing and memory helpers shared by the side-by-side benchmarks (ours vs the mmdet/mmseg built-in)."""
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# every benchmark row: what, where, our value, the reference's name and value, the unit, ours / reference
COLUMNS = ['benchmark', 'device', 'ours', 'ref', 'ref_value', 'unit', 'ratio']


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


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


def _rss_mib() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def peak_mib(fn: Callable[[], object], device: str = 'cpu') -> float:
    """Peak memory taken by ``fn()`` above what was in use before it, in MiB.

    CUDA: ``max_memory_allocated``. CPU: the resident set polled every 0.5 ms while ``fn`` runs; run it in a process
    started with ``MALLOC_MMAP_THRESHOLD_=65536`` (see :func:`run_isolated`) so that freed tensors leave the
    resident set at once and it tracks the live memory.
    """
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    base = _rss_mib()
    peak = [base]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mib())
            time.sleep(0.0005)

    thread = threading.Thread(target=poll)
    thread.start()
    fn()
    done.set()
    thread.join()
    return max(peak[0], _rss_mib()) - base


def run_isolated(script: str, *args: str) -> str:
    """Run ``python script args`` in a fresh process whose allocator returns large blocks to the system."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536')
    return subprocess.run([sys.executable, script, *args], check=True, capture_output=True, text=True,
                          env=env).stdout


def print_table(title: str, rows: List[Dict[str, object]], columns: List[str]) -> None:
    """Markdown table: one row per measured quantity."""
    print(f'\n### {title}\n')
    print('| ' + ' | '.join(columns) + ' |')
    print('|' + '---|' * len(columns))
    for row in rows:
        print('| ' + ' | '.join(_fmt(row.get(c, '')) for c in columns) + ' |')


def _fmt(v: object) -> str:
    return f'{v:.3g}' if isinstance(v, float) else str(v)
