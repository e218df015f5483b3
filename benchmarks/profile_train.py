"""Where the time of one training iteration goes: ``torch.profiler`` over a few ``train_step`` calls of a config.

    python benchmarks/profile_train.py configs/libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py \
        --data-root data/aquarium/ --train-ann annotations/train.json --train-img images/ \
        --val-ann annotations/val.json --val-img images/ [--warmup 2] [--repeats 5] [--top 20] [--json OUT]
        [--against OTHER_CONFIG] [bench_e2e.py's other options: --cfg-options, --batch-size, ...]

Batches are loaded before profiling (as bench_e2e.py; data loading is not in the figures). The model is built as
mmengine's runner builds it (bench_e2e.apply_model_settings: the config's model hooks and efficient_conv_bn_eval).
Prints the median iteration time and the operators with the most self CPU time (share of the profiled total), and a
coarse split into the groups below (by operator name), so a speed-up can aim at what dominates.

``--against OTHER_CONFIG``: before the profile, both configs' training iterations on the same batches, timed in
alternation (the order flipped every iteration, no profiler), from the same weights; prints both medians and the
ratio, and the largest difference of the two models' losses on the first batch (the same computation should agree
to float rounding).
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


def against(args, model, optim, train) -> dict:
    """``args.against`` built from ``model``'s weights, both trained on the same batches in alternation."""
    import copy
    other_args = copy.copy(args)
    other_args.config = args.against
    _, other, other_optim, _, _ = build(other_args)
    other.load_state_dict(model.state_dict())
    other.train()
    first = {}
    for name, m in (('this', model), ('other', other)):
        torch.manual_seed(0)  # the samplers draw the same RoIs for both
        with torch.no_grad():
            first[name] = {k: float(v) for k, v in m.parse_losses(m(**m.data_preprocessor(copy.deepcopy(train[0]),
                                                                                           True), mode='loss'))[1].items()}
    times = dict(this=[], other=[])
    pairs = [('this', model, optim), ('other', other, other_optim)]
    for i, batch in enumerate(train):
        for name, m, opt in (pairs if i % 2 == 0 else pairs[::-1]):
            start = time.perf_counter()
            m.train_step(batch, opt)
            if i >= args.warmup:
                times[name].append(time.perf_counter() - start)
    this, other_ms = 1e3 * statistics.median(times['this']), 1e3 * statistics.median(times['other'])
    return dict(config=args.against, iteration_ms=other_ms, this_ms=this, speedup=other_ms / this,
                repeats=len(times['this']),
                max_loss_diff=max(abs(first['this'][k] - first['other'][k]) for k in first['this']))


def main(argv=None) -> None:
    p = make_parser(__doc__.splitlines()[0])  # bench_e2e.py's arguments (config, data, batch, ...)
    p.add_argument('--top', type=int, default=20, help='operators listed')
    p.add_argument('--against', help='a second config timed in alternation with the first (before / after)')
    args = p.parse_args(argv)
    _, model, optim, train, _ = build(args)
    model.train()
    compared = against(args, model, optim, train) if args.against else None
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
    if compared:
        out['against'] = compared
        print(f"{compared['config']}: {compared['iteration_ms']:.0f} ms, {args.config}: {compared['this_ms']:.0f} ms "
              f"per training iteration, in alternation (median of {compared['repeats']}): {compared['speedup']:.2f}x; "
              f"largest loss difference on the first batch {compared['max_loss_diff']:.2e}\n")
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
