"""COCO box evaluation: libra_plugin.FasterCocoMetric (faster-coco-eval) vs mmdet's CocoMetric (pycocotools).

The same noisy predictions (ground truth jittered and relabelled, plus random false positives) for every image:
COCO128 val32 (80 classes) when it is under `data/` (or the folder LIBRA_SHARED_DATA names), and a 1,000-image shapes set. Timed: loading the
annotations, formatting the predictions and the evaluation (``__init__`` + ``compute_metrics``), interleaved.

    python benchmarks/bench_coco_eval.py
"""
import os
import os.path as osp
import tempfile

from mmdet.evaluation.metrics import CocoMetric

from common import COLUMNS, REPO, interleaved_ms, print_table
from libra_plugin.datasets import make_shapes_coco
from libra_plugin.evaluation import FasterCocoMetric
from libra_plugin.testing import noisy_predictions

COCO128 = osp.join(os.environ.get('LIBRA_SHARED_DATA', osp.join(REPO, 'data')), 'coco128')


def evaluate(cls, ann: str, samples: list) -> dict:
    metric = cls(ann_file=ann)
    cats = metric._coco_api.cats
    metric.dataset_meta = dict(classes=[cats[i]['name'] for i in sorted(cats)])
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def sets(tmp: str) -> list:
    out = []
    if osp.exists(osp.join(COCO128, 'annotations', 'instances_val32.json')):
        out.append(('COCO128 val32, 100 false positives / image',
                    osp.join(COCO128, 'annotations', 'instances_val32.json'), 100))
    make_shapes_coco(tmp, num_train=1, num_val=1000, size=64, seed=0)
    out.append(('shapes 1000 images, 20 false positives / image', osp.join(tmp, 'annotations', 'instances_val.json'),
                20))
    return out


def run(device: str = 'cpu') -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, ann, fps in sets(tmp):
            samples = noisy_predictions(ann, seed=0, false_positives=fps)
            results = {k: evaluate(cls, ann, samples) for k, cls in (('ours', FasterCocoMetric), ('ref', CocoMetric))}
            assert results['ours'] == results['ref'], 'the two evaluators disagree'
            t = interleaved_ms({'ours': lambda: evaluate(FasterCocoMetric, ann, samples),
                                'ref': lambda: evaluate(CocoMetric, ann, samples)}, warmup=1, repeats=5)
            rows.append(dict(benchmark=f'COCO bbox evaluation, {name}', device='cpu', ours=t['ours'],
                             ref='mmdet CocoMetric', ref_value=t['ref'], unit='ms', ratio=t['ours'] / t['ref']))
    return rows


if __name__ == '__main__':
    print_table('COCO evaluation', run(), COLUMNS)
