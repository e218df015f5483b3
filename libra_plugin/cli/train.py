"""Train a detector or a segmenter from an mmdet / mmseg config (mmdet's ``tools/train.py`` flags).

    python -m libra_plugin train configs/libra_faster_rcnn.py [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os.path as osp

from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import libra_plugin  # noqa: F401  (registers the plugin, fixes checkpoint loading on torch >= 2.6)
from libra_plugin.engine import latest_complete_checkpoint
from .args import add_common_args, load_config
from .launch import finish_distributed, setup_cpu_distributed
from .preflight import check_resume_checkpoint, check_resume_learning_rate


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector or a segmenter')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision training')
    parser.add_argument('--auto-scale-lr', action='store_true', help='enable automatically scaling LR')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from this checkpoint, or from the latest one in the work dir if none is given')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args)
    cpu_group = setup_cpu_distributed(cfg)  # the gloo process group of a distributed launch without CUDA
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':  # the newest complete checkpoint, even if the last one was cut off mid-write
        cfg.load_from = latest_complete_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
        cfg.resume = cfg.load_from is not None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if cfg.resume and cfg.load_from:
        check_resume_checkpoint(runner.model, cfg.load_from)
        check_resume_learning_rate(runner.optim_wrapper, cfg.load_from)  # a dict until train() builds it
    runner.train()
    finish_distributed(exit_process=cpu_group)


if __name__ == '__main__':
    main()
