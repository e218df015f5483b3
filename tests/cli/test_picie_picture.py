"""The PiCIE picture paints each cluster with the class the whole split's Hungarian matching gives it."""
import numpy as np
import pytest

from libra_plugin.cli.picie_picture import draw, painted, spread

PALETTE = np.array([[255, 0, 0], [0, 255, 0]], np.uint8)


def test_clusters_take_their_matched_class_colour_and_unmatched_ones_black():
    label = np.array([[0, 0, 1, 1, 255]])
    pred = np.array([[2, 2, 0, 1, 1]])  # cluster 2 holds class 0, cluster 0 class 1; cluster 1 stays unmatched
    other = (np.array([[2, 0, 0, 0]]), np.array([[0, 1, 1, 1]]), 'b.png')  # a second image: the split counts
    pictures, acc, miou = painted([(pred, label, 'a.png'), other], ['a', 'b'], PALETTE, 3)
    assert pictures[0].tolist() == [[[255, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 0], [0, 0, 0]]]
    assert pictures[1].tolist() == [[[255, 0, 0], [0, 255, 0], [0, 255, 0], [0, 255, 0]]]
    assert acc == pytest.approx(100 * 7 / 8)  # 8 labelled pixels; the unmatched cluster's one counts as wrong
    assert miou == pytest.approx(100 * (3 / 3 + 4 / 5) / 2)  # class 1: 4 hits, 5 pixels, 4 predicted


def test_the_grid_has_a_title_row_and_one_row_per_image(tmp_path):
    import cv2
    row = [np.zeros((90, 120, 3), np.uint8)] * 4
    draw([row, row], str(tmp_path / 'p.png'), width=60)
    assert cv2.imread(str(tmp_path / 'p.png')).shape == (28 + 2 * 45, 240, 3)


def test_the_drawn_images_spread_over_the_split():
    assert spread(10, 3) == [0, 4, 9] and spread(101, 5) == [0, 25, 50, 75, 100]
    assert spread(2, 3) == [0, 1] and spread(7, 1) == [0]
