"""The embedded default: write the shapes dataset, train the CPU Libra Faster R-CNN on it, evaluate COCO AP.

    python tools/demo.py [--data-root data/shapes] [--work-dir work_dirs/demo] [--iters 600]

No download: the data are drawn by ``libra_plugin.datasets.make_shapes_coco``. Prints the COCO metrics and where
the checkpoint, the log and a picture of predictions on validation images are.
"""
import argparse
import os
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from libra_plugin.cli.config_tools import set_schedule
from libra_plugin.datasets import make_shapes_coco

CONFIG = osp.join(osp.dirname(__file__), '..', 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/shapes', help='where the sample dataset is written')
    parser.add_argument('--work-dir', default='work_dirs/demo', help='checkpoints, logs and the picture')
    parser.add_argument('--iters', type=int, default=None, help='training iterations (config default: 600)')
    parser.add_argument('--num-shown', type=int, default=8, help='validation images in the picture')
    return parser.parse_args()


def draw_predictions(cfg: Config, checkpoint: str, image_dir: str, out_file: str, num: int) -> None:
    """Save a grid of validation images with the predicted boxes (score >= 0.3)."""
    import cv2
    from mmdet.apis import inference_detector, init_detector
    from mmdet.visualization import DetLocalVisualizer
    model = init_detector(cfg, checkpoint, device='cpu')
    vis = DetLocalVisualizer()
    vis.dataset_meta = model.dataset_meta
    tiles = []
    for name in sorted(os.listdir(image_dir))[:num]:
        img = cv2.imread(osp.join(image_dir, name))[:, :, ::-1]
        vis.add_datasample(name, img, inference_detector(model, img), draw_gt=False, pred_score_thr=0.3)
        tiles.append(vis.get_image())
    rows = [np.concatenate(tiles[i:i + 4], axis=1) for i in range(0, len(tiles) - len(tiles) % 4 or 4, 4)]
    cv2.imwrite(out_file, np.concatenate(rows, axis=0)[:, :, ::-1])


def main() -> None:
    args = parse_args()
    root = args.data_root.rstrip('/') + '/'
    if not osp.exists(osp.join(root, 'annotations', 'instances_val.json')):
        print(f'[demo] writing the shapes dataset to {root}')
        make_shapes_coco(root)
    os.environ['SHAPES_ROOT'] = root
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = args.work_dir
    if args.iters:  # the benchmark tools' schedule: warm-up, steps at 75 % and 92 %
        set_schedule(cfg, max_iters=args.iters)
    runner = Runner.from_cfg(cfg)
    runner.train()  # validates at the last iteration
    metrics = {k[len('val/'):]: v.current() for k, v in runner.message_hub.log_scalars.items()
               if k.startswith('val/coco/')}
    checkpoint = osp.join(args.work_dir, f'iter_{cfg.train_cfg.max_iters}.pth')
    picture = osp.join(args.work_dir, 'predictions.png')
    draw_predictions(cfg, checkpoint, osp.join(root, 'val'), picture, args.num_shown)
    print('\n[demo] COCO metrics on the shapes val split (%):')
    for key, value in metrics.items():
        print(f'  {key}: {100 * value:.1f}')
    print(f'[demo] checkpoint: {checkpoint}')
    print(f'[demo] log:        {osp.join(args.work_dir, runner.timestamp, runner.timestamp + ".log")}')
    print(f'[demo] picture:    {picture}')


if __name__ == '__main__':
    main()
