"""A seeded quick run of ``python -m libra_plugin mse-trap`` asserts the task's claims at margins that held for
seeds 0-3.

Quick mode (8000 images, 8 epochs, K = 2) gave, over seeds 0-3: GaussianL1 (sigma 0.1) hit rate 0.23-0.37 against
MSE's 0.004-0.014; MSE's mean distance to the midpoint 0.80-0.93 px against 3.67-3.78 px to the nearest dot.
"""
import os.path as osp

import numpy as np
import pytest
import torch

from libra_plugin.cli import mse_trap

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages


def test_make_dots_targets_are_one_of_the_dots():
    images, dots, targets = mse_trap.make_dots(50, 3, np.random.default_rng(0))
    assert images.shape == (50, 1, 16, 16) and images.sum() == 150
    pix = (targets.numpy() * 16 - 0.5).round().astype(int)
    assert (dots == pix[:, None, :]).all(-1).any(-1).all()


def test_score_by_hand():
    dots = np.array([[[2, 2], [6, 2]]])  # centres (2.5, 2.5) and (6.5, 2.5); midpoint (4.5, 2.5)
    metrics, hit = mse_trap.score(torch.tensor([[4.5 / 16, 2.5 / 16]]), dots)
    assert metrics == dict(hit_rate=0.0, dist_nearest_dot=2.0, dist_midpoint=0.0)
    metrics, hit = mse_trap.score(torch.tensor([[6.9 / 16, 2.1 / 16]]), dots)
    assert metrics['hit_rate'] == 1.0 and hit.tolist() == [True]


@pytest.mark.parametrize('seed', [0])
def test_quick_run_reproduces_the_trap(tmp_path, seed):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the script does: faster for this tiny model
    try:
        rows = mse_trap.run(str(tmp_path), quick=True, seed=seed, ks=(2, ), losses=('MSE', 'GaussianL1 sigma=0.1'))
    finally:
        torch.set_num_threads(threads)
    mse, gauss = rows
    assert gauss['hit_rate'] > mse['hit_rate'] + 0.15
    assert mse['dist_midpoint'] < 0.5 * mse['dist_nearest_dot']  # MSE lands between the dots, not on one
    assert osp.exists(tmp_path / 'overview.png') and osp.exists(tmp_path / 'results.json')
