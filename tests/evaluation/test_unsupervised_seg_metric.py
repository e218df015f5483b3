"""UnsupervisedSegMetric through mmengine's evaluator: Hungarian-matched scores over the whole set, class groups by
class, over-clustering, PiCIE's legacy figure, and clear errors for bad class groups."""
import pytest
import torch
from mmengine.evaluator import Evaluator

from libra_plugin.evaluation import UnsupervisedSegMetric

CLASSES = ('sky', 'road', 'car')


def sample(label, pred):
    return dict(gt_sem_seg=dict(data=torch.tensor(label)[None]), pred_sem_seg=dict(data=torch.tensor(pred)[None]))


def evaluate(metric, samples):
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_matches_over_the_whole_set_and_scores_groups_by_class():
    # image 1: class 0 -> cluster 2 (2 px), class 1 -> cluster 0 (2 px); image 2: class 2 -> cluster 1, 1 px wrong
    samples = [sample([[0, 0], [1, 1]], [[2, 2], [0, 0]]), sample([[2, 2], [2, 255]], [[1, 1], [0, 2]])]
    # histogram (class x cluster): [[0,0,2],[2,0,0],[1,2,0]] -> matched 2 + 2 + 2 = 6 of 7 labelled pixels
    res = evaluate(UnsupervisedSegMetric(3, class_groups=dict(Thing=['car'], Stuff=['sky', 'road'])), samples)
    assert res['Acc'] == pytest.approx(100 * 6 / 7, abs=0.01)
    # IoU: sky 2/2; road 2/(2+3-2) (cluster 0 also took a car pixel); car 2/3
    assert res['IoU.sky'] == 100.0 and res['IoU.road'] == pytest.approx(100 * 2 / 3, abs=0.01)
    assert res['IoU.car'] == pytest.approx(100 * 2 / 3, abs=0.01)
    assert res['Thing_Acc'] == pytest.approx(100 * 2 / 3, abs=0.01) and res['Stuff_Acc'] == 100.0
    assert res['mIoU'] == pytest.approx(100 * (1 + 2 / 3 + 2 / 3) / 3, abs=0.01)


def test_over_clustering_leaves_extra_clusters_wrong():
    samples = [sample([[0, 0, 1, 1, 2, 2]], [[0, 3, 1, 1, 2, 4]])]
    res = evaluate(UnsupervisedSegMetric(5), samples)
    assert res['Acc'] == pytest.approx(100 * 4 / 6, abs=0.01)  # clusters 3 and 4 are unmatched: 2 pixels wrong


def test_legacy_figure_is_reported_and_labelled():
    samples = [sample([[0, 1, 2, 2]], [[1, 2, 0, 0]])]
    res = evaluate(UnsupervisedSegMetric(3, legacy_split=1), samples)
    assert {'legacy_thing_acc', 'legacy_stuff_acc', 'legacy_thing_miou', 'legacy_stuff_miou'} <= set(res)


def test_bad_class_groups_and_legacy_split_are_errors():
    evaluator = Evaluator(UnsupervisedSegMetric(3, class_groups=dict(Thing=['car', 'pedestrain'])))
    with pytest.raises(ValueError, match=r"class_groups\['Thing'\] names \['pedestrain'\], which are not classes of "
                                         r"the dataset \['sky', 'road', 'car'\]"):
        evaluator.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match='legacy_split needs as many clusters as classes, got 4 clusters for 3'):
        Evaluator(UnsupervisedSegMetric(4, legacy_split=1)).dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match='num_clusters must be an integer >= 2, got 1'):
        UnsupervisedSegMetric(1)
