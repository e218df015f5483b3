"""Accuracy benchmark on COCO-layout data: train (or take checkpoints of) each config, evaluate, compare.

    python tools/coco_benchmark.py --data-root data/coco/ [--groups faster_rcnn retinanet rpn ablation ...]
        [--configs A B ... [--baseline NAME]] [--seeds 0 1 2 3 4] [--checkpoints CKPT ...]
        [--epochs 12 | --max-iters N] [--val-interval N] [--img-scale W H] [--batch-size B] [--workers W]
        [--small-backbone WIDTH] [--adamw LR] [--preset cpu-smoke] [--gpus N]
        [--eval-backend faster|pycocotools] [--work-dir work_dirs/coco_benchmark] [--cfg-options k=v ...]

Default groups: mmdet's Faster R-CNN R-50 FPN 1x vs configs/libra_faster_rcnn.py and RetinaNet vs
configs/libra_retinanet.py (``rpn`` adds mmdet's RPN vs configs/libra_rpn.py, scored by AR; ``ablation_faster_rcnn``
/ ``ablation_retinanet`` are the ImageNet MobileNetV2 CPU configs of configs/ablation: a baseline and its Libra
variants). The first config of a group is the baseline of the others. Each config is written with the arguments
applied to WORK/<name>[/seed<k>]/config.py, trained with tools/train.py (tools/dist_train.sh for --gpus > 1),
evaluated with tools/test.py (by default through libra_plugin.FasterCocoMetric: CocoMetric's numbers, faster, and
working for the RPN's proposal_fast under numpy >= 1.24); WORK gets results.md (the table), results.json (every
number, the loss and mAP curves) and ap_bars.png / curves.png.

``--seeds`` trains every config once per seed (``randomness.seed``; the same seed gives every config the same data
order) and adds mean ± std per config, the paired differences against the baseline with 95 % Student-t intervals,
exact sign-flip p-values and Holm-corrected marks over the table (tools/seed_stats.py), and seeds.png. Five seeds
are the fewest for a table the README quotes. Resumable: a finished run (its run.json, written for the same config text) is not repeated, and an
interrupted training resumes from its newest complete checkpoint; rerun the same command.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Optional

from benchmark_report import write_report  # tools/ is on the path of a script run from it
from mmengine.config import Config, DictAction

from libra_plugin.cli import config_tools as ct
from libra_plugin.cli import records

TOOLS = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(TOOLS)  # the source tree, or libra_plugin/.mim of an installed package: both hold configs/
GROUPS = {  # the first config of each is the baseline of the others
    'faster_rcnn': ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', 'configs/libra_faster_rcnn.py'],
    'retinanet': ['mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', 'configs/libra_retinanet.py'],
    'rpn': ['mmdet::rpn/rpn_r50_fpn_1x_coco.py', 'configs/libra_rpn.py'],
    'ablation_faster_rcnn': ['configs/ablation/faster-rcnn_mnv2-fpn.py',
                             'configs/ablation/faster-rcnn_mnv2-fpn_iou-balanced.py',
                             'configs/ablation/faster-rcnn_mnv2-fpn_bfp.py',
                             'configs/ablation/faster-rcnn_mnv2-fpn_balanced-l1.py',
                             'configs/ablation/libra-faster-rcnn_mnv2-fpn.py',
                             'configs/ablation/faster-rcnn_mnv2-fpn_iou-neg.py',  # the two halves of the sampling
                             'configs/ablation/faster-rcnn_mnv2-fpn_instance-pos.py'],
    'ablation_retinanet': ['configs/ablation/retinanet_mnv2-fpn.py', 'configs/ablation/libra-retinanet_mnv2-fpn.py'],
}
PROGRESS = ('Iter(train)', 'Epoch(train)', 'Iter(val)', 'Epoch(val)', 'Iter(test)', 'Epoch(test)', 'bbox_mAP_copypaste',
            'AR@', 'Error', 'error')


def _flags(preset: dict) -> str:
    """A preset as the command-line flags it stands for."""
    return ' '.join(f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                    for k, v in preset.items())


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-root', default='data/coco/')
    p.add_argument('--train-ann', default='annotations/instances_train2017.json')
    p.add_argument('--train-img', default='train2017/')
    p.add_argument('--val-ann', default='annotations/instances_val2017.json')
    p.add_argument('--val-img', default='val2017/')
    p.add_argument('--groups', '--pairs', nargs='+', choices=sorted(GROUPS), default=['faster_rcnn', 'retinanet'],
                   help='config groups; the first of each is the baseline of the others')
    p.add_argument('--configs', nargs='+', help='configs to compare instead of --groups (paths or mmdet::x.py)')
    p.add_argument('--baseline', help='with --configs: the run name the others are compared with (default: the '
                   'first config)')
    p.add_argument('--seeds', type=int, nargs='+', help='train every config once per seed (five for a table the '
                   'README quotes); report mean ± std, paired differences with 95 %% intervals, sign-flip p-values '
                   'and Holm-corrected marks')
    p.add_argument('--checkpoints', nargs='+', help='evaluate these (one per config) instead of training')
    sched = p.add_mutually_exclusive_group()
    sched.add_argument('--epochs', type=int, help="epoch schedule (default: the configs' own)")
    sched.add_argument('--max-iters', type=int, help='iteration schedule')
    p.add_argument('--val-interval', type=int, help='validate and checkpoint every N iterations / epochs')
    p.add_argument('--img-scale', type=int, nargs=2, metavar=('W', 'H'))
    p.add_argument('--batch-size', type=int, help='images per GPU (per process)')
    p.add_argument('--workers', type=int)
    p.add_argument('--small-backbone', type=int, metavar='WIDTH', help='narrow ResNet-18 from scratch')
    p.add_argument('--adamw', type=float, metavar='LR', help='AdamW with gradient clipping instead of SGD')
    p.add_argument('--preset', choices=sorted(ct.PRESETS), help='; '.join(
        f'{name}: {_flags(preset)}' for name, preset in ct.PRESETS.items()) + ' (each overridable)')
    p.add_argument('--gpus', type=int, default=1, help='processes per node (tools/dist_train.sh when > 1)')
    p.add_argument('--eval-backend', choices=['faster', 'pycocotools'], default='faster')
    p.add_argument('--work-dir', default='work_dirs/coco_benchmark')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='applied to every config')
    args = p.parse_args(argv)
    for key, value in ct.PRESETS.get(args.preset, {}).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.configs:
        names = [run_name(c) for c in args.configs]
        if args.baseline is not None and args.baseline not in names:
            p.error(f'--baseline {args.baseline!r} is not one of the configs\' run names {names}')
        args.baselines = [args.baseline or names[0]] * len(names)
    else:
        args.configs = [c for group in args.groups for c in GROUPS[group]]
        args.baselines = [run_name(GROUPS[group][0]) for group in args.groups for _ in GROUPS[group]]
    if args.checkpoints and len(args.checkpoints) != len(args.configs):
        p.error(f'--checkpoints needs one checkpoint per config ({len(args.configs)}), got {len(args.checkpoints)}')
    if args.checkpoints and args.seeds:
        p.error('--seeds trains; it cannot be combined with --checkpoints')
    if args.seeds and len(set(args.seeds)) != len(args.seeds):
        p.error(f'--seeds has repeated seeds: {args.seeds}')
    return args


def run_name(config: str) -> str:
    return osp.splitext(osp.basename(config.split('::')[-1]))[0]


def prepare(config: str, args: argparse.Namespace, work: str, seed: Optional[int] = None) -> str:
    """The config with the arguments (and ``seed``) applied, written to ``work/config.py``."""
    # a path of the user's (from the current directory), else one of the shipped configs
    cfg = ct.load(config if '::' in config or osp.isfile(config) else osp.join(REPO, config))
    ct.set_coco_data(cfg, args.data_root, args.train_ann, args.train_img, args.val_ann, args.val_img)
    if args.max_iters or args.epochs:
        ct.set_schedule(cfg, max_iters=args.max_iters, epochs=args.epochs, val_interval=args.val_interval)
    elif args.val_interval:
        ct.set_val_interval(cfg, args.val_interval)  # the config's own schedule
    if args.img_scale:
        ct.set_img_scale(cfg, args.img_scale)
    ct.set_batch(cfg, args.batch_size, args.workers)
    if args.small_backbone:
        ct.use_small_backbone(cfg, args.small_backbone)
    if args.adamw:
        ct.use_adamw(cfg, args.adamw)
    if args.eval_backend == 'faster':
        ct.use_faster_coco_eval(cfg)
    cfg.merge_from_dict(args.cfg_options)
    if seed is not None:
        cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.work_dir = work
    path = osp.join(work, 'config.py')
    cfg.dump(path)
    return path


def stream(cmd: list, log_path: str) -> None:
    """Run ``cmd``, keep its whole output in ``log_path`` and echo the progress lines."""
    print('$ ' + ' '.join(cmd), flush=True)
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=dict(os.environ, PYTHON=sys.executable))  # dist_train.sh: this interpreter
        for line in proc.stdout:
            log.write(line)
            if any(k in line for k in PROGRESS):
                print('    ' + line.rstrip()[:200], flush=True)
    if proc.wait() != 0:
        raise RuntimeError(f'{cmd[1]} failed (exit {proc.returncode}); see {log_path}')


def last_checkpoint(work: str) -> str:
    with open(osp.join(work, 'last_checkpoint')) as f:
        return f.read().strip()


def read_curves(work: str, val_interval: int = None) -> dict:
    """Loss per logged iteration and the validation metrics per validation, of the training that made the run's
    checkpoints (``records.training_rows``). A run that logged its validations by epoch in an iteration schedule
    (mmengine's ``log_metric_by_epoch``: every one at step 0) has them placed at ``k * val_interval``."""
    curves = dict(loss=[], val=[])
    for row in records.training_rows(work):
        if 'loss' in row:
            curves['loss'].append([row['step'], row['loss']])
        elif any(k.startswith('coco/') for k in row):
            curves['val'].append(dict(row))
    steps = [row['step'] for row in curves['val']]
    if val_interval and steps and (steps[0] <= 0 or any(b <= a for a, b in zip(steps, steps[1:]))):
        for k, row in enumerate(curves['val']):
            row['step'] = (k + 1) * val_interval
    return curves


def read_metrics(test_work: str) -> dict:
    stamp = sorted(d for d in os.listdir(test_work) if d[:1].isdigit())[-1]
    with open(osp.join(test_work, stamp, stamp + '.json')) as f:
        return {k: v for k, v in json.load(f).items() if '/' in k}  # coco/..., not the timings


def benchmark_run(i: int, total: int, config: str, baseline: str, seed: Optional[int],
                  args: argparse.Namespace) -> dict:
    """Train (or take the checkpoint of) and evaluate one config for one seed; skip it if already done."""
    name = run_name(config)
    label = name if seed is None else f'{name} seed {seed}'
    step = f'[{i}/{total}]'
    work = osp.abspath(osp.join(args.work_dir, name, *([] if seed is None else [f'seed{seed}'])))
    os.makedirs(work, exist_ok=True)
    path = prepare(config, args, work, seed)  # (the training dumps its own config.py over it: records keeps ours)
    with open(path) as f:
        written = f.read()
    config_text = written + (f'\n# evaluated: {args.checkpoints[i - 1]}\n' if args.checkpoints else '')
    done = records.finished_run(work, config_text)
    if done is not None:
        print(f'{step} {label}: done before, not repeated ({work}/run.json)', flush=True)
        return dict(done, baseline=baseline)  # compared with this command's baseline, not the one it ran under
    start = time.time()
    if args.checkpoints:
        ckpt, train_s = args.checkpoints[i - 1], None
    else:
        had_checkpoints = osp.isfile(osp.join(work, 'last_checkpoint'))
        resume = records.start_training(work, written)
        if had_checkpoints and not resume:
            print(f'{step} {label}: the config changed since its checkpoints were written; training from scratch',
                  flush=True)
        print(f'{step} training {label}' + (' (resuming)' if resume else ''), flush=True)
        train = ([sys.executable, osp.join(TOOLS, 'train.py'), path] if args.gpus <= 1 else
                 ['bash', osp.join(TOOLS, 'dist_train.sh'), path, str(args.gpus)])
        stream(train + ['--work-dir', work] + (['--resume'] if resume else []), osp.join(work, 'train.log'))
        ckpt, train_s = last_checkpoint(work), time.time() - start
    print(f'{step} evaluating {label} ({ckpt})', flush=True)
    test_work = osp.join(work, 'test')
    stream([sys.executable, osp.join(TOOLS, 'test.py'), path, ckpt, '--work-dir', test_work], osp.join(work, 'test.log'))
    curves = read_curves(work, Config.fromfile(path).train_cfg.get('val_interval'))
    run = dict(name=name, seed=seed, baseline=baseline, config=config, checkpoint=ckpt, train_s=train_s,
               metrics=read_metrics(test_work), curves=curves,
               config_text=config_text)
    records.save_run(work, run)
    return run


def main(argv=None) -> None:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    jobs = [(config, baseline, seed) for seed in (args.seeds or [None])
            for config, baseline in zip(args.configs, args.baselines)]  # seed-major: every config has seed 0 first
    runs = []
    for i, (config, baseline, seed) in enumerate(jobs):
        run = benchmark_run(i + 1, len(jobs), config, baseline, seed, args)
        runs.append({k: v for k, v in run.items() if k != 'config_text'})
        write_report(sorted(runs, key=lambda r: (args.configs.index(r['config']), r['seed'] or 0)), vars(args),
                     args.work_dir)  # after every run: a partial report while the rest trains
    with open(osp.join(args.work_dir, 'results.md')) as f:
        print(f.read())


if __name__ == '__main__':
    main()
