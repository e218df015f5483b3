"""Where the time of one training iteration goes: ``torch.profiler`` over a few ``train_step`` calls of a config.

    python benchmarks/profile_train.py configs/ablation/faster-rcnn_mnv2-fpn.py \
        --data-root ../shared/data/aquarium/ --train-ann annotations/train.json --train-img images/ \
        --val-ann annotations/val.json --val-img images/ [--warmup 2] [--repeats 5] [--top 20] [--json OUT]
        [bench_e2e.py's other options: --cfg-options, --batch-size, ...]

Batches are loaded before profiling (as bench_e2e.py; data loading is not in the figures). Prints the median
iteration time and the operators with the most self CPU time (share of the profiled total), and a coarse split
into the groups below (by operator name), so a speed-up can aim at what dominates.
"""
import json
import statistics
import time
from collections import defaultdict

import torch

from bench_e2e import build, make_parser  # benchmarks/ is on the path

GROUPS = (  # first match wins
    ('RoI Align (mmcv)', ('roi_align', 'roialign')),
    ('NMS', ('nms', )),
    ('convolution', ('conv', 'mkldnn_convolution', 'thnn_conv')),
    ('matmul / linear', ('addmm', 'mm', 'bmm', 'linear', 'matmul')),
    ('optimizer', ('adam', 'foreach', '_fused')),
    ('sort / topk', ('sort', 'topk', 'argsort')),
    ('indexing', ('index', 'gather', 'scatter', 'nonzero', 'masked', 'where')),
    ('element-wise', ('add', 'mul', 'sub', 'div', 'clamp', 'exp', 'log', 'max', 'min', 'sum', 'mean', 'abs',
                      'relu', 'sigmoid', 'copy', 'fill', 'cat', 'stack', 'to')),
)


def group_of(name: str) -> str:
    low = name.lower()
    for group, keys in GROUPS:
        if any(k in low for k in keys):
            return group
    return 'other'


def main(argv=None) -> None:
    p = make_parser(__doc__.splitlines()[0])  # bench_e2e.py's arguments (config, data, batch, ...)
    p.add_argument('--top', type=int, default=20, help='operators listed')
    args = p.parse_args(argv)
    _, model, optim, train, _ = build(args)
    model.train()
    for batch in train[:args.warmup]:
        model.train_step(batch, optim)
    times = []
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for batch in train[args.warmup:]:
            start = time.perf_counter()
            model.train_step(batch, optim)
            times.append(time.perf_counter() - start)
    events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in events)
    groups = defaultdict(float)
    for e in events:
        groups[group_of(e.key)] += e.self_cpu_time_total
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:args.top]
    out = dict(config=args.config, threads=torch.get_num_threads(), iteration_ms=1e3 * statistics.median(times),
               groups={g: 100 * t / total for g, t in sorted(groups.items(), key=lambda kv: -kv[1])},
               top=[dict(op=e.key, self_ms_per_iter=e.self_cpu_time_total / 1e3 / len(times),
                         share=100 * e.self_cpu_time_total / total, calls_per_iter=e.count / len(times))
                    for e in top])
    print(f"{args.config}: {out['iteration_ms']:.0f} ms per training iteration (median of {len(times)}, "
          f"{out['threads']} threads)\n")
    print('| group | share of self CPU time |\n|---|---:|')
    for g, share in out['groups'].items():
        print(f'| {g} | {share:.1f} % |')
    print('\n| operator | ms per iteration | share | calls per iteration |\n|---|---:|---:|---:|')
    for row in out['top']:
        print(f"| `{row['op']}` | {row['self_ms_per_iter']:.1f} | {row['share']:.1f} % | {row['calls_per_iter']:.0f} |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
