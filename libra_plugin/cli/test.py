"""Evaluate a checkpoint of a detector or a segmenter (mmdet's ``tools/test.py`` flags).

    python -m libra_plugin test CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--show-dir DIR]
        [--show] [--wait-time S] [--tta] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]
"""
import argparse
import os.path as osp
from typing import Optional

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
    parser.add_argument('--show', action='store_true', help='show each image with its predictions (needs a display)')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds each shown image stays (--show)')
    parser.add_argument('--tta', action='store_true', help="test-time augmentation: the config's tta_model and "
                        "tta_pipeline (a detector without them: mmdet's horizontal-flip TTA, as its test.py)")
    add_common_args(parser)
    return parser.parse_args(argv)


def enable_drawing(cfg: Config, show_dir: Optional[str], show: bool = False, wait_time: float = 2) -> None:
    """Switch the config's visualization hook on, adding it when the config has none (mmseg keeps it in its
    schedule files, which a config need not inherit), and point its output to ``show_dir`` (mmdet and mmseg);
    ``show``: also in a window, each image ``wait_time`` seconds (mmdet's ``--show`` / ``--wait-time``)."""
    seg = cfg.get('default_scope') == 'mmseg'
    hooks = cfg.setdefault('default_hooks', {})
    if hooks.get('visualization') is None:
        hooks['visualization'] = dict(type='SegVisualizationHook' if seg else 'DetVisualizationHook')
    hook = hooks['visualization']
    hook['draw'] = True
    if show:
        hook.update(show=True, wait_time=wait_time)
    if seg:
        hook['interval'] = 1
        if cfg.get('visualizer') is None:
            cfg.visualizer = dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                                  name='visualizer')
        if show_dir:
            cfg.visualizer['save_dir'] = show_dir
    elif show_dir:
        hook['test_out_dir'] = show_dir


def use_tta(cfg: Config) -> None:
    """The model wrapped in the config's ``tta_model`` and the test data through its ``tta_pipeline``, as mmdet's and
    mmseg's ``test.py --tta`` do; a detection config without them gets mmdet's defaults (flip TTA merged by NMS)."""
    import copy
    import warnings

    from mmengine.config import ConfigDict
    seg = cfg.get('default_scope') == 'mmseg'
    if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
        if seg:
            raise ValueError('--tta needs tta_model and tta_pipeline in the config (mmseg\'s configs inherit them from '
                             'their dataset base, e.g. mmseg::_base_/datasets/cityscapes.py)')
        warnings.warn('the config has no tta_model / tta_pipeline: mmdet\'s flip TTA is used')
        cfg.setdefault('tta_model', dict(type='DetTTAModel',
                                         tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.5), max_per_img=100)))
        if 'tta_pipeline' not in cfg:
            data = cfg.test_dataloader.dataset
            while 'dataset' in data:
                data = data['dataset']
            pipeline = copy.deepcopy(data.pipeline)
            pipeline[-1] = dict(type='TestTimeAug', transforms=[
                [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)],
                [dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                                       'scale_factor', 'flip', 'flip_direction'))]])
            cfg.tta_pipeline = pipeline
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


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
    cpu_group = setup_cpu_distributed(cfg)  # the gloo process group of a distributed launch without CUDA
    cfg.load_from = args.checkpoint
    if args.show_dir or args.show:
        enable_drawing(cfg, args.show_dir, args.show, args.wait_time)
    if args.tta:
        use_tta(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    check_resume_checkpoint(runner.model, args.checkpoint, purpose='test')  # not another model's checkpoint
    if args.out is not None:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    runner.test()
    if args.show_dir:
        pictures = drawings_dir(cfg, runner, args.show_dir)
        caption_halves(pictures, source_widths(runner.test_dataloader.dataset))  # ground truth | prediction
        print(f'pictures of the predictions: {pictures}', flush=True)
    finish_distributed(exit_process=cpu_group)


if __name__ == '__main__':
    main()
