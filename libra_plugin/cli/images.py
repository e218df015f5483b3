"""Per-image scoring of detection runs and a paired bootstrap over images and seeds.

A detection run's record keeps its predictions on the evaluated split (``detections.json.gz``, see
:func:`libra_plugin.cli.records.save_detections`). :func:`image_matches` matches them to the ground truth image by
image as COCO's evaluation does (pycocotools ``COCOeval.evaluate``: per category, area range and IoU threshold, at
most 100 detections per image), and :func:`coco_ap` accumulates those matches with a weight per image into COCO's AP,
AP50, AP75, APs, APm and APl (101-point interpolated precision, categories without ground truth left out): with
every weight 1 it is the COCO evaluation of the run (tests/cli/test_images.py), and a bootstrap sample of the images
is a vector of counts. :func:`paired_bootstrap` resamples the images and the seeds together and gives, per config,
the percentile interval of the mean paired difference against its baseline — the spread a new draw of test images
would add to the seeds' spread.
"""
import contextlib
import gzip
import io
import json
from typing import Dict, List, Sequence, Tuple

import numpy as np

METRICS = (('AP', 'all', None), ('AP50', 'all', 0), ('AP75', 'all', 5), ('APs', 'small', None),
           ('APm', 'medium', None), ('APl', 'large', None))
AREAS = ('all', 'small', 'medium', 'large')


def image_matches(ann_file: str, detections_gz: str) -> dict:
    """The run's matches: ``images`` (the evaluated image ids) and, per ``(category, area)``, the detections'
    scores (sorted, highest first, as COCO's accumulation orders them), their image index, the per-IoU-threshold
    true positives ``tp`` and ignore flags ``ignore`` (``(10, D)``), and the ground-truth boxes that count per image
    (``npos``, ``(I,)``)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        with gzip.open(detections_gz, 'rt') as f:
            images = json.load(f)
        cats = sorted(gt.getCatIds())
        results = [dict(image_id=im['img_id'], category_id=cats[label], score=score,
                        bbox=[box[0], box[1], box[2] - box[0], box[3] - box[1]])
                   for im in images for box, score, label in zip(im['bboxes'], im['scores'], im['labels'])]
        ev = COCOeval(gt, gt.loadRes(results) if results else COCO(), 'bbox')
        ev.params.imgIds = sorted(im['img_id'] for im in images)
        ev.evaluate()
    img_ids = list(ev.params.imgIds)
    index = {i: k for k, i in enumerate(img_ids)}
    n_img, n_area = len(img_ids), len(ev.params.areaRng)
    out = dict(images=img_ids, cats=len(ev.params.catIds))
    for k in range(len(ev.params.catIds)):
        for a, area in enumerate(AREAS):
            scores, img, tp, ignore, npos = [], [], [], [], np.zeros(n_img)
            for i in range(n_img):
                e = ev.evalImgs[k * n_area * n_img + a * n_img + i]
                if e is None:
                    continue
                d = len(e['dtScores'][:100])
                scores += e['dtScores'][:100]
                img += [index[e['image_id']]] * d
                tp.append(np.asarray(e['dtMatches'])[:, :100] > 0)
                ignore.append(np.asarray(e['dtIgnore'])[:, :100].astype(bool))
                npos[i] = np.count_nonzero(np.asarray(e['gtIgnore']) == 0)
            order = np.argsort(-np.asarray(scores, dtype=float), kind='mergesort')
            out[(k, area)] = dict(img=np.asarray(img, dtype=int)[order],
                                  tp=(np.concatenate(tp, 1) if tp else np.zeros((10, 0), bool))[:, order],
                                  ignore=(np.concatenate(ignore, 1) if ignore else np.zeros((10, 0), bool))[:, order],
                                  npos=npos)
    return out


def _precision(match: dict, weights: np.ndarray) -> np.ndarray:
    """``(10, 101)`` interpolated precision at COCO's recall thresholds, or None where no ground truth counts."""
    npos = float(weights @ match['npos'])
    if npos == 0:
        return None
    w = weights[match['img']]
    tp = np.cumsum((match['tp'] & ~match['ignore']) * w, axis=1)
    fp = np.cumsum((~match['tp'] & ~match['ignore']) * w, axis=1)
    out = np.zeros((tp.shape[0], 101))
    if tp.shape[1] == 0:
        return out
    recall = tp / npos
    precision = tp / np.maximum(tp + fp, np.spacing(1))
    precision = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]  # COCO's interpolation
    thresholds = np.linspace(0, 1, 101)
    for t in range(tp.shape[0]):
        idx = np.searchsorted(recall[t], thresholds, side='left')
        ok = idx < recall.shape[1]
        out[t, ok] = precision[t, idx[ok]]
    return out


def coco_ap(matches: dict, weights: np.ndarray = None) -> Dict[str, float]:
    """COCO's six box metrics (fractions; -1 where no ground truth of that size counts) of the run, each image
    counted ``weights[i]`` times (default once)."""
    weights = np.ones(len(matches['images'])) if weights is None else np.asarray(weights, dtype=float)
    out = {}
    for label, area, t in METRICS:
        per_cat = [_precision(matches[(k, area)], weights) for k in range(matches['cats'])]
        per_cat = [p if t is None else p[t:t + 1] for p in per_cat if p is not None]
        out[label] = float(np.mean(per_cat)) if per_cat else -1.0
    return out


def paired_bootstrap(matches: Dict[str, Dict[int, dict]], baselines: Dict[str, str], replicates: int = 2000,
                     seed: int = 0, level: float = 0.95) -> Dict[str, Dict[str, Tuple[float, float]]]:
    """Per compared config and metric, the percentile interval (points) of the mean over seeds of
    ``AP(config, seed) − AP(baseline, seed)``, images and seeds drawn with replacement together in every replicate
    (the same images for every run of a replicate). ``matches``: name -> seed -> :func:`image_matches`."""
    rng = np.random.default_rng(seed)
    names = list(baselines)
    seeds = sorted(set.intersection(*(set(matches[n]) & set(matches[baselines[n]]) for n in names)))
    n_img = len(next(iter(next(iter(matches.values())).values()))['images'])
    draws = {n: {label: [] for label, _, _ in METRICS} for n in names}
    for _ in range(replicates):
        weights = np.bincount(rng.integers(0, n_img, n_img), minlength=n_img)
        picked = rng.choice(seeds, len(seeds))
        cache = {}
        for name in names:
            diffs = {label: [] for label, _, _ in METRICS}
            for s in picked:
                for run in (name, baselines[name]):
                    if (run, s) not in cache:
                        cache[(run, s)] = coco_ap(matches[run][s], weights)
                a, b = cache[(name, s)], cache[(baselines[name], s)]
                for label, _, _ in METRICS:
                    if a[label] >= 0 and b[label] >= 0:
                        diffs[label].append(100 * (a[label] - b[label]))
            for label in diffs:
                if diffs[label]:
                    draws[name][label].append(float(np.mean(diffs[label])))
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    return {n: {label: tuple(np.percentile(v, q)) if v else (float('nan'), float('nan')) for label, v in d.items()}
            for n, d in draws.items()}


def seeds_of(runs: Sequence[dict]) -> List[int]:
    return sorted({r['seed'] for r in runs})
