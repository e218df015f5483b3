"""FasterCocoMetric gives CocoMetric's numbers on the same predictions (bbox, classwise, proposals)."""
import numpy as np
import pytest
from mmdet.evaluation.metrics import CocoMetric
from mmengine.registry import METRICS

import libra_plugin  # noqa: F401

pytest.importorskip('faster_coco_eval', reason='faster-coco-eval is the optional fast-eval extra: pip install '
                    'libra_plugin[fast-eval]')
from libra_plugin.evaluation import FasterCocoMetric  # noqa: E402
from libra_plugin.testing import noisy_predictions  # noqa: E402


def evaluate(metric, samples) -> dict:
    cats = metric._coco_api.cats
    metric.dataset_meta = dict(classes=[cats[i]['name'] for i in sorted(cats)])
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


@pytest.mark.parametrize('kwargs', [dict(metric='bbox'), dict(metric='bbox', classwise=True),
                                    dict(metric='proposal', proposal_nums=(10, 30, 100)),
                                    dict(metric='bbox', iou_thrs=[0.5, 0.75], metric_items=['mAP', 'mAP_50'])],
                         ids=['bbox', 'classwise', 'proposal', 'iou_thrs'])
def test_same_metrics_as_coco_metric_on_coco128(coco128_root, kwargs):
    ann = coco128_root + 'annotations/instances_val32.json'
    samples = noisy_predictions(ann)
    ours = evaluate(FasterCocoMetric(ann_file=ann, **kwargs), samples)
    if 'iou_thrs' in kwargs:  # mmdet's CocoMetric needs an array (a list fails in its summary under numpy 2)
        kwargs = dict(kwargs, iou_thrs=np.array(kwargs['iou_thrs']))
    ref = evaluate(CocoMetric(ann_file=ann, **kwargs), samples)
    assert list(ours) == list(ref)
    np.testing.assert_equal(ours, ref)  # nan (a class absent from the set) equals nan
    assert any(v > 0.05 for v in ref.values())  # the predictions are neither empty nor all wrong


def test_same_metrics_without_real_data(shapes_root):
    ann = shapes_root + 'annotations/instances_val.json'
    for seed in range(3):
        samples = noisy_predictions(ann, seed=seed, false_positives=5)
        ours = evaluate(FasterCocoMetric(ann_file=ann), samples)
        assert ours == evaluate(CocoMetric(ann_file=ann), samples)
        assert 0 < ours['bbox_mAP'] < 1


def test_stats_equal_to_pycocotools_unrounded(shapes_root):
    from faster_coco_eval import COCO as FastCOCO
    from faster_coco_eval import COCOeval_faster
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    ann = shapes_root + 'annotations/instances_val.json'
    dets = []
    for s in noisy_predictions(ann, seed=5, false_positives=8):
        p = s['pred_instances']
        for (x1, y1, x2, y2), score, label in zip(p['bboxes'].tolist(), p['scores'].tolist(), p['labels'].tolist()):
            dets.append(dict(image_id=s['img_id'], category_id=label + 1, bbox=[x1, y1, x2 - x1, y2 - y1],
                             score=score))
    stats = []
    for coco_cls, eval_cls in ((COCO, COCOeval), (FastCOCO, COCOeval_faster)):
        gt = coco_cls(ann)
        ev = eval_cls(gt, gt.loadRes(dets), 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        stats.append(np.asarray(ev.stats[:12]))
    np.testing.assert_allclose(stats[1], stats[0], rtol=0, atol=1e-12)


def test_registered_by_scoped_and_plain_name():
    assert METRICS.build(dict(type='libra_plugin.FasterCocoMetric', ann_file=None)).__class__ is FasterCocoMetric
    from mmdet.registry import METRICS as MMDET_METRICS
    assert MMDET_METRICS.get('FasterCocoMetric') is FasterCocoMetric  # a name mmdet does not own (projects/ style)
    assert MMDET_METRICS.get('CocoMetric').__module__.startswith('mmdet.')


def test_proposal_fast_works_where_mmdet_fails(coco128_root):
    ann = coco128_root + 'annotations/instances_val32.json'
    samples = noisy_predictions(ann)
    with pytest.raises(ValueError, match='inhomogeneous'):  # mmdet under numpy >= 1.24
        evaluate(CocoMetric(ann_file=ann, metric='proposal_fast'), samples)
    ours = evaluate(FasterCocoMetric(ann_file=ann, metric='proposal_fast', proposal_nums=(10, 30, 100)), samples)
    assert list(ours) == ['AR@10', 'AR@30', 'AR@100'] and 0.2 < ours['AR@100'] <= 1
