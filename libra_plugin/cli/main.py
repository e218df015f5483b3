"""``python -m libra_plugin COMMAND [args]``: the plugin's tools from an installed package.

    python -m libra_plugin train CONFIG [--work-dir DIR] [--resume] ...        mmdet's tools/train.py flags
    python -m libra_plugin test CONFIG CHECKPOINT [--show-dir DIR] ...         mmdet's tools/test.py flags
    python -m libra_plugin run NAME|CONFIG... [--seeds 0 1 2 3 4] [--gpus N] [--data DIR] [--cfg-options k=v]
    python -m libra_plugin report NAME|results.json [--baseline CONFIG_NAME] [--out DIR]
    python -m libra_plugin list                                                the named experiments
    python -m libra_plugin picie-picture CONFIG TRAINED FLOOR [--images 3] [--out FILE]   PiCIE side by side
    python -m libra_plugin demo | mse-trap | configs

``run`` compares configs over seeds (a named experiment of ``libra_plugin.cli.experiments``, or configs given
here, the first the baseline): it trains what is missing, resumes what was interrupted, records every run in
``results/<name>/`` and writes the report there (docs/compare.md). The console scripts ``libra-train`` and
``libra-test`` are ``train`` and ``test``. Configs are paths, ``mmdet::``/``mmseg::`` names, or shipped ones
(``configs/...``, found in the package when not in the current directory).
"""
import argparse
import os.path as osp
import runpy
import sys
from typing import List, Optional

MIM = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim')
COMMANDS = ('train', 'test', 'run', 'report', 'list', 'demo', 'mse-trap', 'picie-picture', 'configs')


def _parser() -> argparse.ArgumentParser:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(prog='python -m libra_plugin', description=__doc__.split('\n\n')[0].strip('`: '))
    sub = p.add_subparsers(dest='command', metavar='COMMAND')
    for name, text in (('train', "train a config (mmdet's tools/train.py flags; --help for them)"),
                       ('test', "evaluate a checkpoint (mmdet's tools/test.py flags; --help for them)"),
                       ('demo', 'train and evaluate the CPU demo detector on generated data (no download)'),
                       ('mse-trap', 'the MSE trap: MSE, MAE and GaussianL1Loss on images of identical dots'),
                       ('picie-picture', "PiCIE's clusters, trained and untrained, beside the images and labels")):
        sub.add_parser(name, help=text, add_help=False)
    run = sub.add_parser('run', help='compare configs over seeds: train what is missing, record, report',
                         description='Compare configs over seeds (a named experiment, or configs: the first is the '
                                     'baseline). Resumable; records and the report go to results/<name>/.')
    run.add_argument('target', nargs='+', metavar='NAME|CONFIG', help='an experiment name (see list) or configs')
    run.add_argument('--name', help='the experiment name for configs given here (default: compare)')
    run.add_argument('--seeds', type=int, nargs='+', help="seeds (default: the experiment's; 0-4 for configs)")
    run.add_argument('--gpus', type=int, default=1, help='processes per run (torch.distributed) (default: 1)')
    run.add_argument('--data', default='data/', help='the folder holding the datasets (default: data/)')
    run.add_argument('--coco', nargs=5, metavar=('ROOT', 'TRAIN_ANN', 'TRAIN_IMG', 'VAL_ANN', 'VAL_IMG'),
                     help='configs given here: COCO-layout data under --data (e.g. mydata/ annotations/train.json '
                          'images/ annotations/val.json images/)')
    run.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='applied to every config')
    rep = sub.add_parser('report', help="re-render an experiment's report from its records (trains nothing)")
    rep.add_argument('target', metavar='NAME|results.json')
    rep.add_argument('--baseline', help='compare every other config with this one (a config name)')
    rep.add_argument('--out', help='write the report into this folder (default: beside its results.json)')
    sub.add_parser('list', help='the named experiments and how many of their runs are recorded')
    sub.add_parser('configs', help='print where the shipped configs are')
    return p


def _fail(message: str) -> None:
    print(f'python -m libra_plugin: error: {message}', file=sys.stderr)
    raise SystemExit(2)


def _experiment(args):
    from .experiments import EXPERIMENTS, Experiment, get
    if len(args.target) == 1 and args.target[0] in EXPERIMENTS:
        if args.coco or args.name:
            _fail('--coco and --name are for configs given on the command line, not a named experiment')
        return get(args.target[0])
    unknown = [t for t in args.target if not t.endswith('.py') and '::' not in t]
    if unknown:
        _fail(f'{unknown[0]!r} is neither an experiment ({", ".join(EXPERIMENTS)}) nor a config (.py)')
    coco = None if args.coco is None else dict(zip(('root', 'train_ann', 'train_img', 'val_ann', 'val_img'),
                                                   args.coco))
    from .experiments import BBOX, seg_metrics
    metrics = BBOX if _is_det(args.target[0]) else seg_metrics('mIoU', 'mAcc', 'aAcc')
    return Experiment(args.name or 'compare', 'configs compared on the command line', args.target, metrics,
                      coco=coco)


def _is_det(config: str) -> bool:
    from .config_tools import load
    from .experiment import resolve_config
    return load(resolve_config(config)).get('default_scope', 'mmdet') == 'mmdet'


def list_experiments() -> str:
    from .experiments import EXPERIMENTS
    from .records import read_record
    lines = ['| experiment | recorded runs | what |', '|---|---:|---|']
    for name, exp in EXPERIMENTS.items():
        runs = exp.runs()
        found = sum(read_record(osp.join('results', name, osp.splitext(osp.basename(c))[0], f'seed{s}',
                                         'run.json')) is not None for c, s in runs)
        lines.append(f'| {name} | {found} / {len(runs)} | {exp.title}' + (' (records only)' if exp.frozen else '')
                     + ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ('train', 'test'):
        module = __import__(f'libra_plugin.cli.{argv[0]}', fromlist=['main'])
        sys.argv = [f'python -m libra_plugin {argv[0]}'] + argv[1:]
        return module.main(argv[1:])
    if argv and argv[0] == 'picie-picture':
        from .picie_picture import main as picie_picture
        return picie_picture(argv[1:])
    if argv and argv[0] in ('demo', 'mse-trap'):
        script = osp.join(MIM, 'tools', 'demo.py') if argv[0] == 'demo' else None
        if script is None:
            from .mse_trap import main as mse_trap
            return mse_trap(argv[1:])
        if not osp.isfile(script):
            _fail(f'{script} is missing: this install has no tools; reinstall the package')
        sys.argv = [script] + argv[1:]
        runpy.run_path(script, run_name='__main__')
        return
    parser = _parser()
    if not argv:
        parser.print_help()
        return
    if argv[0] not in COMMANDS and not argv[0].startswith('-'):
        _fail(f'unknown command {argv[0]!r}; choose from {", ".join(COMMANDS)} (--help for each)')
    args = parser.parse_args(argv)
    if args.command == 'configs':
        print(osp.realpath(osp.join(MIM, 'configs')))
    elif args.command == 'list':
        print(list_experiments())
    elif args.command == 'report':
        from .experiments import EXPERIMENTS
        from .report import rerender
        path = osp.join('results', args.target, 'results.json') if args.target in EXPERIMENTS else args.target
        if not osp.isfile(path):
            _fail(f'{path} does not exist: give an experiment name with records ({", ".join(EXPERIMENTS)}) or a '
                  'results.json')
        try:
            print(rerender(path, args.baseline, args.out))
        except ValueError as e:
            _fail(str(e))
    elif args.command == 'run':
        from .experiment import run_experiment
        try:
            print(run_experiment(_experiment(args), args.seeds, args.gpus, args.data, args.cfg_options))
        except (FileNotFoundError, ValueError, RuntimeError) as e:
            _fail(str(e))


def train() -> None:
    main(['train'] + sys.argv[1:])


def test() -> None:
    main(['test'] + sys.argv[1:])


if __name__ == '__main__':
    main()
