"""Evaluate a checkpoint of a detector or a segmenter (mmdet's ``tools/test.py`` flags).

    python -m libra_plugin test CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--show-dir DIR]
        [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.evaluator import DumpResults
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import libra_plugin  # noqa: F401  (registers the plugin, fixes checkpoint loading on torch >= 2.6)
from .args import add_common_args, load_config
from .drawing import caption_halves, source_widths
from .launch import finish_distributed, setup_cpu_distributed
from .preflight import check_resume_checkpoint


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', type=str, help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument('--show-dir', help='save images with the predictions drawn into this dir')
    add_common_args(parser)
    return parser.parse_args(argv)


def enable_drawing(cfg: Config, show_dir: str) -> None:
    """Switch the config's visualization hook on, adding it when the config has none (mmseg keeps it in its
    schedule files, which a config need not inherit), and point its output to ``show_dir`` (mmdet and mmseg)."""
    seg = cfg.get('default_scope') == 'mmseg'
    hooks = cfg.setdefault('default_hooks', {})
    if hooks.get('visualization') is None:
        hooks['visualization'] = dict(type='SegVisualizationHook' if seg else 'DetVisualizationHook')
    hook = hooks['visualization']
    hook['draw'] = True
    if seg:
        hook['interval'] = 1
        if cfg.get('visualizer') is None:
            cfg.visualizer = dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                                  name='visualizer')
        cfg.visualizer['save_dir'] = show_dir
    else:
        hook['test_out_dir'] = show_dir


def drawings_dir(cfg: Config, runner: Runner, show_dir: str) -> str:
    """Where the pictures went: mmseg's visualizer backend writes under ``vis_data/vis_image`` of its save_dir,
    mmdet's hook under ``work_dir/<timestamp>/show_dir`` (``show_dir`` itself when absolute)."""
    if cfg.get('default_scope') == 'mmseg':
        return osp.join(show_dir, 'vis_data', 'vis_image')
    return osp.join(runner.work_dir, runner.timestamp, show_dir)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--out must be a .pkl or .pickle file, got {args.out!r}')
    cfg = load_config(args)
    setup_cpu_distributed(cfg)  # the gloo process group of a distributed launch without CUDA
    cfg.load_from = args.checkpoint
    if args.show_dir:
        enable_drawing(cfg, args.show_dir)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    check_resume_checkpoint(runner.model, args.checkpoint, purpose='test')  # not another model's checkpoint
    if args.out is not None:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    runner.test()
    if args.show_dir:
        pictures = drawings_dir(cfg, runner, args.show_dir)
        caption_halves(pictures, source_widths(runner.test_dataloader.dataset))  # ground truth | prediction
        print(f'pictures of the predictions: {pictures}', flush=True)
    finish_distributed()


if __name__ == '__main__':
    main()
