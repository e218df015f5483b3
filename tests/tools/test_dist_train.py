"""tools/dist_train.sh with 2 CPU processes (gloo): a Libra detector, an IB focal segmenter and PiCIE's clustering.

Each run is compared with a 1-process run of the same total batch (2 images). Tolerance: the mean of the two
ranks' first-iteration losses is within 1% of the 1-process loss. Not exact because (det) the samplers draw
their random negatives from each process's own generator and (both) losses are normalised per process (positives,
valid pixels) rather than over the whole batch. Batch-statistics norms would differ more, so the comparison runs
use BN in eval mode (det backbone) or GroupNorm (seg), and no random flip.
"""
import glob
import math
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
COMMON = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
          'default_hooks.logger.interval=1', 'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
          'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False',
          'train_dataloader.dataset.pipeline.3.prob=0.0', 'randomness.seed=0']


def free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def train(config, work, options, procs, **env):
    """Train with 1 process (tools/train.py) or ``procs`` (tools/dist_train.sh); the log of every rank."""
    if procs == 1:
        cmd = [sys.executable, 'tools/train.py', config]
    else:
        cmd = ['bash', 'tools/dist_train.sh', config, str(procs)]
        options = options + ['log_level=DEBUG']  # DEBUG: every rank writes its log
    env = dict(os.environ, PYTHON=sys.executable, PORT=free_port(), CUDA_VISIBLE_DEVICES='', **env)
    proc = subprocess.run(cmd + ['--work-dir', work, '--cfg-options'] + options, cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    logs = sorted(glob.glob(osp.join(work, '2*', '*.log')))
    assert len(logs) == procs
    return [open(p).read() for p in logs]


def losses(log):
    return [float(v) for v in re.findall(r'Iter\(train\) \[\d+/2\].*?  loss: ([-\d.naif]+)', log)]


def compare_first_loss(one, two):
    mean = sum(losses(log)[0] for log in two) / len(two)
    assert mean == pytest.approx(losses(one[0])[0], rel=0.01)


def test_libra_detector_two_processes(tmp_path, shapes_root):
    config = osp.join(REPO, 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py')
    opts = COMMON + ['model.backbone.norm_eval=True']
    two = train(config, str(tmp_path / 'two'), opts + ['train_dataloader.batch_size=1'], 2, SHAPES_ROOT=shapes_root)
    assert 'Distributed launcher: pytorch' in two[0] and "dist_cfg: {'backend': 'gloo'}" in two[0]
    assert 'An `MMDistributedDataParallel` instance is built' in two[1]
    assert os.listdir(tmp_path / 'two').count('iter_2.pth') == 1
    # tools/dist_test.sh: the same checkpoint evaluated by 2 processes (each half of the images, metrics gathered)
    proc = subprocess.run(['bash', 'tools/dist_test.sh', config, str(tmp_path / 'two' / 'iter_2.pth'), '2',
                           '--work-dir', str(tmp_path / 'test'), '--cfg-options', 'test_dataloader.num_workers=0'],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHON=sys.executable, PORT=free_port(), SHAPES_ROOT=shapes_root))
    assert proc.returncode == 0 and 'Iter(test) [1/1]    coco/bbox_mAP:' in proc.stdout + proc.stderr, proc.stderr
    one = train(config, str(tmp_path / 'one'), opts + ['train_dataloader.batch_size=2'], 1, SHAPES_ROOT=shapes_root)
    for log in two + one:
        assert len(losses(log)) == 2 and all(math.isfinite(v) for v in losses(log))
    compare_first_loss(one, two)


def test_ib_focal_segmenter_two_processes(tmp_path, camvid_root):
    config = str(tmp_path / 'fastscnn_gn_ibfocal.py')
    with open(config, 'w') as f:
        f.write(f"_base_ = '{osp.join(REPO, 'configs', 'ib_focal', 'fastscnn_camvid_ibfocal.py')}'\n"
                "gn = dict(_delete_=True, type='GN', num_groups=8, requires_grad=True)\n"
                "model = dict(backbone=dict(norm_cfg=gn), decode_head=dict(norm_cfg=gn))\n")
    opts = COMMON + ['custom_hooks.0.at=1']  # the second iteration runs the IB focal loss
    two = train(config, str(tmp_path / 'two'), opts + ['train_dataloader.batch_size=1',
                                                       f'custom_hooks.0.cache_dir={tmp_path / "counts2"}'],
                2, CAMVID_ROOT=camvid_root)
    assert two[0].count('IBLossHook: class counts computed on rank 0, shared with 2 processes') == 1
    assert len(os.listdir(tmp_path / 'counts2')) == 1  # counted once, by rank 0
    assert all('switching from CE to IB focal loss after iteration 1' in log for log in two)
    assert os.listdir(tmp_path / 'two').count('iter_2.pth') == 1
    one = train(config, str(tmp_path / 'one'), opts + ['train_dataloader.batch_size=2',
                                                       f'custom_hooks.0.cache_dir={tmp_path / "counts1"}'],
                1, CAMVID_ROOT=camvid_root)
    for log in two + one:
        assert len(losses(log)) == 2 and all(math.isfinite(v) for v in losses(log))
    compare_first_loss(one, two)


def test_picie_two_processes_cluster_every_image_alike(tmp_path, camvid_root):
    """PiCIE with 2 processes: each rank embeds its half of the 8 images, the k-means statistics are all-reduced,
    so both ranks log the same cluster sizes, and those count the pixels of all 8 images (as one process's do)."""
    config = osp.join(REPO, 'configs', 'picie', 'picie_mnv2-fpn_camvid_ce.py')
    opts = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=2', 'train_dataloader.dataset.indices=8',
            'custom_hooks.0.init_batches=1', 'default_hooks.logger.interval=1', 'randomness.seed=0',
            'model.data_preprocessor.size=(180,240)', 'model.view_size=(90,120)',
            'train_dataloader.dataset.pipeline.1.scale=(240,180)'] + [
                f'{s}_dataloader.{k}' for s in ('train', 'val') for k in ('num_workers=0', 'persistent_workers=False')]
    two = train(config, str(tmp_path / 'two'), opts + ['train_dataloader.batch_size=2', 'custom_hooks.0.batch_size=2'],
                2, CAMVID_ROOT=camvid_root)
    one = train(config, str(tmp_path / 'one'), opts + ['train_dataloader.batch_size=4', 'custom_hooks.0.batch_size=4'],
                1, CAMVID_ROOT=camvid_root)

    def sizes(log):
        found = re.findall(r'view \d: 11 clusters, .*?cluster sizes \[([\d, ]+)\]', log)
        return [[int(n) for n in s.split(', ')] for s in found]
    assert len(sizes(two[0])) == 2 and sizes(two[0]) == sizes(two[1])  # both views, the same on both ranks
    assert [sum(s) for s in sizes(two[0])] == [sum(s) for s in sizes(one[0])]  # every image's pixels, once
    assert os.listdir(tmp_path / 'two').count('epoch_1.pth') == 1
