"""PiCIE side by side: ``python -m libra_plugin picie-picture CONFIG TRAINED FLOOR [--images 3] [--out FILE]``.

Evaluates the two checkpoints of one PiCIE config (``TRAINED``, e.g. ``epoch_2.pth`` of
``configs/picie/picie_mnv2-fpn_camvid_ce.py``, and ``FLOOR``, the untrained floor's ``epoch_1.pth``) on its test
split as ``tools/test.py`` does (``PiCIEClusterHook`` clusters the un-augmented training images with each model's
weights first), matches each model's clusters to classes over the whole split (the Hungarian matching of
``UnsupervisedSegMetric``) and draws, for ``--images`` test images spread evenly over the split (neighbouring frames of a video look alike), one row: the image, its ground truth,
the trained model's clusters and the floor's, every cluster in the colour of the class it was matched to (black:
ignored pixels, and clusters left unmatched). Prints each model's pixel accuracy and mIoU of the same matching.
"""
import argparse
import os.path as osp
import tempfile
from typing import List, Optional, Tuple

import numpy as np
import torch
from mmengine.hooks import Hook

from libra_plugin.functional.cluster_matching import histogram, match_clusters, matched_scores

COLUMNS = ('image', 'ground truth', 'PiCIE, trained', 'floor: untrained')


class _Keep(Hook):
    """Keeps every test sample's predicted clusters, label and image path."""

    def __init__(self) -> None:
        self.samples: List[Tuple[np.ndarray, np.ndarray, str]] = []

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        for s in outputs:
            self.samples.append((s.pred_sem_seg.data.squeeze(0).cpu().numpy().astype(np.int64),
                                 s.gt_sem_seg.data.squeeze(0).cpu().numpy().astype(np.int64), s.img_path))


def predictions(config: str, checkpoint: str, tag: str, cfg_options: Optional[dict] = None):
    """``(samples, classes, palette, num_clusters)`` of ``checkpoint`` evaluated through ``config``'s test loop."""
    from mmengine.runner import Runner

    from .config_tools import load
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    cfg = load(config)
    cfg.merge_from_dict(cfg_options or {})
    if cfg.model.get('type') not in ('libra_plugin.PiCIE', 'PiCIE'):
        raise ValueError(f'{config} is not a PiCIE config (model type {cfg.model.get("type")!r})')
    cfg.load_from, cfg.experiment_name = checkpoint, f'picie_picture_{tag}'
    cfg.work_dir = tempfile.mkdtemp(prefix='picie_picture_')
    runner = Runner.from_cfg(cfg)
    keep = _Keep()
    runner.register_hook(keep, priority='LOWEST')
    runner.test()
    meta = runner.test_dataloader.dataset.metainfo
    return keep.samples, list(meta['classes']), np.asarray(meta['palette'], np.uint8), int(cfg.model.num_clusters)


def painted(samples, classes: List[str], palette: np.ndarray, num_clusters: int):
    """Each sample's clusters painted with their matched class's colour, and the matched scores."""
    hist = sum(histogram(torch.from_numpy(label), torch.from_numpy(pred), len(classes), num_clusters)
               for pred, label, _ in samples)
    mapping = match_clusters(hist).numpy()
    colours = np.zeros((num_clusters, 3), np.uint8)
    colours[mapping >= 0] = palette[mapping[mapping >= 0]]
    scores = matched_scores(hist, torch.from_numpy(mapping))
    return [colours[pred] for pred, _, _ in samples], 100 * float(scores['acc']), 100 * float(scores['miou'])


def _label_colours(label: np.ndarray, palette: np.ndarray) -> np.ndarray:
    out = np.zeros(label.shape + (3, ), np.uint8)
    known = (label >= 0) & (label < len(palette))
    out[known] = palette[label[known]]
    return out


def spread(count: int, k: int) -> List[int]:
    """``k`` indices of ``count`` items spread evenly from the first to the last (all of them if ``k >= count``)."""
    return [int(i) for i in np.linspace(0, count - 1, min(k, count)).round()]


def draw(rows: List[List[np.ndarray]], out: str, width: int = 320) -> None:
    """``rows`` of RGB pictures, each resized to ``width`` pixels, column titles on top, written to ``out``."""
    import cv2
    cells = []
    for row in rows:
        h = round(row[0].shape[0] * width / row[0].shape[1])
        cells.append(np.concatenate([cv2.resize(p, (width, h), interpolation=cv2.INTER_NEAREST if k else
                                                cv2.INTER_AREA) for k, p in enumerate(row)], axis=1))
    grid = np.concatenate(cells, axis=0)
    head = np.full((28, grid.shape[1], 3), 255, np.uint8)
    for k, title in enumerate(COLUMNS):
        cv2.putText(head, title, (k * width + 6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    jpeg = [cv2.IMWRITE_JPEG_QUALITY, 85] if out.lower().endswith(('.jpg', '.jpeg')) else []  # small enough to commit
    cv2.imwrite(out, cv2.cvtColor(np.concatenate([head, grid], axis=0), cv2.COLOR_RGB2BGR), jpeg)


def main(argv=None) -> None:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(prog='python -m libra_plugin picie-picture', description=__doc__.split('\n\n')[1])
    p.add_argument('config', help='a PiCIE config (its test split is drawn)')
    p.add_argument('trained', help="the trained model's checkpoint")
    p.add_argument('floor', help="the untrained floor's checkpoint (the same model)")
    p.add_argument('--images', type=int, default=3, help='how many test images, spread evenly over the split (default: 3)')
    p.add_argument('--out', default='picie.png', help='the picture (PNG or JPEG; default: picie.png)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='applied to the config')
    args = p.parse_args(argv)
    if args.images < 1:
        p.error(f'--images must be at least 1, got {args.images}')
    import cv2
    columns, scores = [], []
    for tag, ckpt in (('trained', args.trained), ('floor', args.floor)):
        samples, classes, palette, k = predictions(args.config, ckpt, tag, args.cfg_options)
        pictures, acc, miou = painted(samples, classes, palette, k)
        shown = spread(len(pictures), args.images)
        columns.append([pictures[j] for j in shown])
        scores.append(f'{tag}: Acc {acc:.1f}, mIoU {miou:.1f}')
    rows = []
    for i, (_, label, path) in enumerate(samples[j] for j in shown):
        image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        if image.shape[:2] != label.shape:
            image = cv2.resize(image, label.shape[::-1], interpolation=cv2.INTER_AREA)
        rows.append([image, _label_colours(label, palette), columns[0][i], columns[1][i]])
    draw(rows, args.out)
    print(f'{args.out}: {len(rows)} images; ' + '; '.join(scores) + ' (% over the whole test split)')
