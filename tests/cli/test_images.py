"""Per-image COCO scoring: with every image counted once it is pycocotools' evaluation; the bootstrap's intervals."""
import contextlib
import gzip
import io
import json

import numpy as np
import pytest

from libra_plugin.cli.images import coco_ap, image_matches, paired_bootstrap


def _detections(ann_file, path, seed, jitter):
    """Noisy copies of the ground-truth boxes, some false alarms, random scores: a detector's output."""
    rng = np.random.default_rng(seed)
    with open(ann_file) as f:
        data = json.load(f)
    cats = sorted(c['id'] for c in data['categories'])
    images = []
    for im in data['images']:
        boxes, scores, labels = [], [], []
        for a in (a for a in data['annotations'] if a['image_id'] == im['id']):
            x, y, w, h = a['bbox']
            if rng.random() < 0.8:
                d = rng.normal(0, jitter, 4) * [w, h, w, h]
                boxes.append([x + d[0], y + d[1], x + w + d[2], y + h + d[3]])
                scores.append(float(rng.random()))
                labels.append(cats.index(a['category_id']) if rng.random() < 0.9 else int(rng.integers(len(cats))))
        for _ in range(3):
            x, y = rng.random(2) * 200
            boxes.append([x, y, x + 30, y + 30])
            scores.append(float(rng.random() * 0.5))
            labels.append(int(rng.integers(len(cats))))
        images.append(dict(img_id=im['id'], bboxes=boxes, scores=scores, labels=labels))
    with gzip.open(path, 'wt') as f:
        json.dump(images, f)
    return images


def _pycocotools(ann_file, images):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        cats = sorted(gt.getCatIds())
        dt = gt.loadRes([dict(image_id=im['img_id'], category_id=cats[lab], score=s, bbox=[b[0], b[1], b[2] - b[0],
                                                                                         b[3] - b[1]])
                         for im in images for b, s, lab in zip(im['bboxes'], im['scores'], im['labels'])])
        ev = COCOeval(gt, dt, 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return dict(zip(('AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'), ev.stats[:6]))


def test_every_image_once_is_the_coco_evaluation(shapes_root, tmp_path):
    ann = shapes_root + 'annotations/instances_val.json'
    images = _detections(ann, tmp_path / 'd.json.gz', 0, 0.08)
    ours = coco_ap(image_matches(ann, str(tmp_path / 'd.json.gz')))
    ref = _pycocotools(ann, images)
    assert ours == pytest.approx(ref, abs=1e-9)
    assert 0.2 < ours['AP'] < 0.9  # a case where the matching matters


def test_weights_count_images(shapes_root, tmp_path):
    ann = shapes_root + 'annotations/instances_val.json'
    _detections(ann, tmp_path / 'd.json.gz', 1, 0.08)
    m = image_matches(ann, str(tmp_path / 'd.json.gz'))
    n = len(m['images'])
    assert coco_ap(m, np.full(n, 3.0)) == pytest.approx(coco_ap(m))  # every image three times: the same curve
    one = np.zeros(n)
    one[0] = 1
    assert coco_ap(m, one) != coco_ap(m)


def test_bootstrap_interval_holds_the_difference_of_a_better_detector(shapes_root, tmp_path):
    ann = shapes_root + 'annotations/instances_val.json'
    matches = {}
    for name, jitter in (('base', 0.15), ('better', 0.03)):
        for seed in range(3):
            _detections(ann, tmp_path / f'{name}{seed}.json.gz', seed, jitter)
            matches.setdefault(name, {})[seed] = image_matches(ann, str(tmp_path / f'{name}{seed}.json.gz'))
    boot = paired_bootstrap(matches, {'better': 'base'}, replicates=200)
    diff = np.mean([100 * (coco_ap(matches['better'][s])['AP'] - coco_ap(matches['base'][s])['AP'])
                    for s in range(3)])
    low, high = boot['better']['AP']
    assert 0 < low < diff < high  # the tighter boxes are better on every draw of images and seeds
