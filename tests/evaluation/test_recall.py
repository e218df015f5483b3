"""Proposal recall equals mmdet's: per image (where mmdet works) and pooled over images of different sizes."""
import numpy as np
from mmdet.evaluation.functional import eval_recalls as mmdet_eval_recalls

from libra_plugin.evaluation.recall import eval_recalls


def boxes(rng, n, scores=False):
    xy = rng.uniform(0, 200, (n, 2))
    b = np.concatenate([xy, xy + rng.uniform(5, 80, (n, 2))], 1).astype(np.float32)
    return np.concatenate([b, rng.uniform(0, 1, (n, 1)).astype(np.float32)], 1) if scores else b


def test_equal_to_mmdet_image_by_image_and_pooled():
    rng = np.random.default_rng(0)
    gts = [boxes(rng, n) for n in (3, 7, 1, 12)] + [np.zeros((0, 4), np.float32)]
    props = [boxes(rng, n, scores=True) for n in (50, 120, 9, 300, 20)]
    nums, thrs = [10, 100, 300], np.array([0.5, 0.7])
    ours = eval_recalls(gts, props, nums, thrs)
    per_image = [mmdet_eval_recalls([g], [p], nums, thrs) for g, p in zip(gts[:4], props[:4])]  # one image each
    counts = np.array([len(g) for g in gts[:4]], dtype=np.float64)
    pooled = sum(r * c for r, c in zip(per_image, counts)) / counts.sum()
    np.testing.assert_allclose(ours, pooled, rtol=1e-12)
    assert ours.shape == (3, 2) and ours[0, 0] <= ours[2, 0]


def test_mismatched_lengths():
    import pytest
    with pytest.raises(ValueError, match='gts and proposals must have one entry per image, got 2 and 1'):
        eval_recalls([np.zeros((0, 4))] * 2, [np.zeros((0, 4))])
