"""Hungarian-matched scores against hand-computed histograms: K = C, K > C (unmatched clusters are wrong), class
groups scored by class, PiCIE's legacy block figure, and errors."""
import math

import pytest
import torch

from libra_plugin.functional.cluster_matching import (histogram, legacy_block_scores, match_clusters,
                                                      matched_scores)


def test_histogram_counts_and_ignores():
    labels = torch.tensor([[0, 0, 1], [1, 255, 2]])
    clusters = torch.tensor([[1, 1, 0], [2, 0, 2]])
    assert histogram(labels, clusters, 3, 3).tolist() == [[0, 2, 0], [1, 0, 1], [0, 0, 1]]


def test_square_match_and_scores():
    # classes (rows) x clusters (columns); best matching: cluster 2 -> class 0, 0 -> 1, 1 -> 2 (10 + 7 + 5 = 22)
    hist = torch.tensor([[1, 0, 10], [7, 2, 1], [0, 5, 4]])
    mapping = match_clusters(hist)
    assert mapping.tolist() == [1, 2, 0]
    s = matched_scores(hist, mapping, groups=dict(thing=[0], stuff=[1, 2]))
    assert s['acc'] == pytest.approx(22 / 30)
    # IoU = tp / (gt + pred - tp): class 0: 10 / (11 + 15 - 10); class 1: 7 / (10 + 8 - 7); class 2: 5 / (9 + 7 - 5)
    iou = [10 / 16, 7 / 11, 5 / 11]
    assert s['iou'].tolist() == pytest.approx(iou)
    assert s['miou'] == pytest.approx(sum(iou) / 3)
    assert s['thing_acc'] == pytest.approx(10 / 11) and s['thing_miou'] == pytest.approx(10 / 16)
    assert s['stuff_acc'] == pytest.approx(12 / 19) and s['stuff_miou'] == pytest.approx((7 / 11 + 5 / 11) / 2)


def test_over_clustering_unmatched_clusters_count_as_wrong():
    # 2 classes, 4 clusters: matched 0 -> class 0 (6), 3 -> class 1 (5); clusters 1 and 2 predict nothing
    hist = torch.tensor([[6, 3, 0, 1], [0, 2, 4, 5]])
    mapping = match_clusters(hist)
    assert mapping.tolist() == [0, -1, -1, 1]
    s = matched_scores(hist, mapping)
    assert s['acc'] == pytest.approx(11 / 21)
    assert s['iou'].tolist() == pytest.approx([6 / 10, 5 / 12])  # class 0: 6/(10+6-6); class 1: 5/(11+6-5)


def test_class_never_seen_nor_predicted_is_nan_and_left_out_of_the_mean():
    hist = torch.tensor([[5, 0, 0], [0, 5, 0], [0, 0, 0]])
    s = matched_scores(hist, match_clusters(hist))
    assert math.isnan(s['iou'][2]) and s['miou'] == 1.0 and s['acc'] == 1.0


def test_legacy_block_scores_index_clusters_not_classes():
    """PiCIE's figure: row j of new_hist is the class matched to cluster j; blocks [:1, :1] and [1:, 1:]."""
    hist = torch.tensor([[1, 0, 10], [7, 2, 1], [0, 5, 4]])
    mapping = match_clusters(hist)  # cluster 0 -> class 1, 1 -> 2, 2 -> 0
    legacy = legacy_block_scores(hist, mapping, split=1)
    # new_hist = hist[[1, 2, 0]] = [[7,2,1],[0,5,4],[1,0,10]]: thing block [[7]]; stuff block [[5,4],[0,10]]
    assert legacy['legacy_thing_acc'] == 1.0 and legacy['legacy_stuff_acc'] == pytest.approx(15 / 19)
    by_class = matched_scores(hist, mapping, groups=dict(thing=[0]))
    assert by_class['thing_acc'] == pytest.approx(10 / 11)  # class 0, not cluster 0's class


def test_errors():
    with pytest.raises(ValueError, match=r'labels hold 7, outside \[0, 3\) and not the ignore index 255'):
        histogram(torch.tensor([7]), torch.tensor([0]), 3, 3)
    with pytest.raises(ValueError, match=r'clusters must be in \[0, 3\)'):
        histogram(torch.tensor([0]), torch.tensor([3]), 3, 3)
    with pytest.raises(ValueError, match='one shape'):
        histogram(torch.zeros(2, 2), torch.zeros(4), 3, 3)
    with pytest.raises(ValueError, match='only for as many clusters as classes'):
        legacy_block_scores(torch.ones(2, 3), torch.tensor([0, 1, -1]), 1)
