"""What ``tools/train.py`` and ``tools/test.py`` share: mmdet's common flags and the config they produce."""
import argparse
import difflib
import inspect
import os
import os.path as osp

from mmengine.config import Config, DictAction

from .config_tools import load
from .preflight import check_data_files


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local-rank``, as in mmdet's tools."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value pairs, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Each ``--cfg-options`` key starts with a key of the config or an argument of mmengine's ``Runner``
    (``randomness``, ``env_cfg``, ...): mmengine would otherwise add a misspelt key silently and train as if the
    option had not been given. Deeper keys may add new arguments (``model.backbone.frozen_stages``)."""
    from mmengine.runner import Runner
    allowed = set(cfg.keys()) | (set(inspect.signature(Runner.__init__).parameters) - {'self'})
    for key in options:
        top = key.split('.')[0]
        if top not in allowed:
            close = difflib.get_close_matches(top, sorted(allowed), n=3)
            raise ValueError(f'--cfg-options {key}: {top!r} is neither a key of the config nor a Runner argument'
                             + (f'; did you mean {close}?' if close else ''))


def load_config(args: argparse.Namespace) -> Config:
    """The config of ``args.config`` with the common flags applied (work dir defaults to work_dirs/<name>) and its
    data files checked (:func:`~.preflight.check_data_files`). Starts nothing: a distributed launch on a machine
    without CUDA is :func:`~.launch.setup_cpu_distributed`, called by the tool."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = load(args.config)  # a path, or mmdet::x.py / mmseg::x.py
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    check_data_files(cfg)
    return cfg
