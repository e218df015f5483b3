"""End-to-end speed and memory of one config: training iteration time, inference images/s, peak memory.

    python benchmarks/bench_e2e.py CONFIG [--device cpu|cuda] [--warmup 2] [--repeats 5] [--builtin | --pair]
        [--data-root ROOT --train-ann A --train-img D --val-ann A --val-img D] [--img-scale W H] [--batch-size B]
        [--small-backbone WIDTH] [--cfg-options k=v ...] [--json OUT]

Batches are loaded before timing (data loading is not timed). Training: median ``train_step`` (forward, backward,
optimizer step) over ``--repeats`` after ``--warmup``. Inference: median ``test_step`` over the validation batches,
as images per second. Peak memory: the most a training step / an inference batch holds above what was in use before
it (model, optimizer state, inputs): CUDA ``max_memory_allocated``; CPU resident set, polled, in a process whose
allocator returns freed blocks at once. ``--builtin`` replaces the plugin's modules by mmdet's of the same name;
``--pair`` measures both in one process, their timed calls alternating.
Works on CPU and CUDA (mmdet's ``tools/analysis_tools/benchmark.py`` is CUDA-only).
"""
import argparse
import itertools
import json
import os
import statistics
import sys
import time

import torch
from mmengine.config import DictAction

from common import peak_mib, sync


def make_parser(description: str = __doc__.split('\n')[0]) -> argparse.ArgumentParser:
    """The arguments of this script (also the base of profile_train.py's)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument('config')
    p.add_argument('--device', default='cpu')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--builtin', action='store_true', help="mmdet's modules in place of the plugin's")
    p.add_argument('--pair', action='store_true', help="ours and mmdet's modules in one process, alternating")
    p.add_argument('--data-root')
    p.add_argument('--train-ann', default='annotations/instances_train2017.json')
    p.add_argument('--train-img', default='train2017/')
    p.add_argument('--val-ann', default='annotations/instances_val2017.json')
    p.add_argument('--val-img', default='val2017/')
    p.add_argument('--img-scale', type=int, nargs=2)
    p.add_argument('--batch-size', type=int)
    p.add_argument('--small-backbone', type=int, metavar='WIDTH')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={})
    p.add_argument('--channels-last', action='store_true',
                   help="the model in channels-last memory format, as libra_plugin.ChannelsLastHook puts it")
    p.add_argument('--json', help='write the measurements here ("-": standard output only)')
    return p


def parse_args(argv=None) -> argparse.Namespace:
    return make_parser().parse_args(argv)


def build(args):
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.runner import Runner
    from mmengine.optim import build_optim_wrapper

    import libra_plugin  # noqa: F401
    from libra_plugin.cli import config_tools as ct
    cfg = ct.load(args.config)
    if args.data_root:
        ct.set_coco_data(cfg, args.data_root, args.train_ann, args.train_img, args.val_ann, args.val_img)
    if args.img_scale:
        ct.set_img_scale(cfg, args.img_scale)
    if args.small_backbone:
        ct.use_small_backbone(cfg, args.small_backbone)
    ct.set_batch(cfg, args.batch_size, workers=0)
    if args.builtin:
        ct.to_builtin(cfg)
    cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device)
    apply_model_settings(cfg, model, getattr(args, 'channels_last', False))
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    n = args.warmup + args.repeats
    train = list(itertools.islice(iter(Runner.build_dataloader(cfg.train_dataloader)), n))
    val = list(itertools.islice(iter(Runner.build_dataloader(cfg.val_dataloader)), n))
    return cfg, model, optim, train, val


# the config's hooks that only change the model (the others need a whole runner)
MODEL_HOOKS = ('libra_plugin.ChannelsLastHook', 'libra_plugin.TorchRoIAlignHook', 'ChannelsLastHook',
               'TorchRoIAlignHook')


def apply_model_settings(cfg, model, channels_last: bool = False) -> None:
    """What mmengine's ``Runner`` does to a config's model before training, in its order: the ``before_run`` of the
    model-only custom hooks (:data:`MODEL_HOOKS`), ``init_weights``, the config's ``efficient_conv_bn_eval``, then
    their ``before_train``. ``channels_last`` adds ``ChannelsLastHook`` when the config lacks it."""
    import logging
    from types import SimpleNamespace

    from mmengine.model.efficient_conv_bn_eval import turn_on_efficient_conv_bn_eval
    from mmengine.registry import HOOKS
    specs = [dict(h) for h in cfg.get('custom_hooks', []) if h.get('type') in MODEL_HOOKS]
    if channels_last and not any('ChannelsLastHook' in h['type'] for h in specs):
        specs.append(dict(type='libra_plugin.ChannelsLastHook'))
    hooks = [HOOKS.build(h) for h in specs]
    runner = SimpleNamespace(model=model, logger=logging.getLogger('bench'))
    for hook in hooks:
        hook.before_run(runner)
    model.init_weights()
    if cfg.get('efficient_conv_bn_eval'):
        turn_on_efficient_conv_bn_eval(model, cfg.efficient_conv_bn_eval)
    for hook in hooks:
        hook.before_train(runner)


def elapsed_ms(fn, device) -> float:
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return (time.perf_counter() - start) * 1e3


def measure_models(args, built: dict) -> dict:
    """Time and peak memory of each built model on the first model's batches; with two models the timed calls
    alternate batch by batch (order flipped every batch), so a drift of the machine hits both alike."""
    train, val = next(iter(built.values()))[3:]
    times = {k: dict(train=[], infer=[]) for k in built}
    for phase, batches in (('train', train), ('infer', val)):
        for _, model, _, _, _ in built.values():
            model.train(phase == 'train')
        with torch.set_grad_enabled(phase == 'train'):
            for i, batch in enumerate(batches):
                for k in (list(built) if i % 2 == 0 else list(built)[::-1]):
                    _, model, optim, _, _ = built[k]
                    t = elapsed_ms((lambda: model.train_step(batch, optim)) if phase == 'train' else
                                   (lambda: model.test_step(batch)), args.device)
                    if i >= args.warmup:
                        times[k][phase].append(t)
    results = {}
    for k, (_, model, optim, _, _) in built.items():
        model.train()
        train_peak = peak_mib(lambda: model.train_step(train[-1], optim), args.device)
        model.eval()
        with torch.no_grad():
            infer_peak = peak_mib(lambda: model.test_step(val[-1]), args.device)
        val_batch = len(val[-1]['inputs'])
        results[k] = dict(config=args.config, builtin=k == 'mmdet', device=args.device,
                          train_batch=len(train[-1]['inputs']),
                          train_ms_per_iter=statistics.median(times[k]['train']), train_peak_mib=train_peak,
                          infer_batch=val_batch, infer_img_per_s=1e3 * val_batch / statistics.median(times[k]['infer']),
                          infer_peak_mib=infer_peak, warmup=args.warmup, repeats=args.repeats,
                          torch=torch.__version__, threads=torch.get_num_threads())
    return results


def measure(args) -> dict:
    """One config (``--builtin``: with mmdet's modules); ``--pair``: ours and mmdet's, ``{'ours': .., 'mmdet': ..}``."""
    if args.pair:
        return measure_models(args, dict(ours=build(argparse.Namespace(**dict(vars(args), builtin=False))),
                                         mmdet=build(argparse.Namespace(**dict(vars(args), builtin=True)))))
    key = 'mmdet' if args.builtin else 'ours'
    return measure_models(args, {key: build(args)})[key]


E2E_CONFIGS = [('Libra Faster R-CNN', 'configs/libra_faster_rcnn.py'), ('Libra RetinaNet', 'configs/libra_retinanet.py')]


def run(device: str = 'cpu', data: list = ()) -> list:
    """Ours vs the same model with mmdet's modules (``--pair``, one fresh process per config); rows for run_all.
    CPU: narrow ResNet-18 at 320 px, batch 4; CUDA: R-50 (random init) at the configs' 1333 x 800, batch 2."""
    import tempfile
    from common import REPO, run_isolated
    size = (['--small-backbone', '32', '--img-scale', '320', '320', '--batch-size', '4'] if device == 'cpu' else
            ['--batch-size', '2', '--cfg-options', 'model.backbone.init_cfg=None'])
    rows = []
    for name, config in E2E_CONFIGS:
        with tempfile.NamedTemporaryFile(suffix='.json') as out:
            run_isolated(__file__, os.path.join(REPO, config), '--pair', '--repeats', '10', '--device', device,
                         '--json', out.name, *data, *size)
            res = json.load(open(out.name))
        o, m = res['ours'], res['mmdet']
        what = f"{name}, {'R-18/32 320 px' if device == 'cpu' else 'R-50'}"
        for label, key, unit, f in (('train iteration', 'train_ms_per_iter', 'ms', None),
                                    ('train step peak memory', 'train_peak_mib', 'MiB', None),
                                    ('inference per image', 'infer_img_per_s', 'ms', lambda v: 1e3 / v),
                                    ('inference peak memory', 'infer_peak_mib', 'MiB', None)):
            ours, ref = (f(o[key]), f(m[key])) if f else (o[key], m[key])
            batch = o['train_batch'] if key.startswith('train') else o['infer_batch']
            rows.append(dict(benchmark=f'{what}: {label} (batch {batch})', device=device, ours=ours, ref='mmdet modules', ref_value=ref, unit=unit,
                             ratio=ours / ref))
    return rows


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.device == 'cpu' and os.environ.get('MALLOC_MMAP_THRESHOLD_') is None:  # see common.peak_mib
        os.execve(sys.executable, [sys.executable, __file__] + (argv or sys.argv[1:]),
                  dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536'))
    result = measure(args)
    text = json.dumps(result, indent=1)
    if args.json and args.json != '-':
        with open(args.json, 'w') as f:
            f.write(text)
    print(text)


if __name__ == '__main__':
    main()
