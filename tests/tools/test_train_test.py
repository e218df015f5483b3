"""The demo config through tools/train.py (a few iterations, a resume) and tools/test.py."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py')


def _opts(max_iters):
    return ['--cfg-options', f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
            'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
            'test_dataloader.num_workers=0']


def test_train_resume_and_test(tmp_path, shapes_root, run_tool):
    work = str(tmp_path / 'work')
    out = run_tool(['tools/train.py', CONFIG, '--work-dir', work] + _opts(4), SHAPES_ROOT=shapes_root)
    assert 'Iter(train) [4/4]' in out and 'coco/bbox_mAP' in out
    assert osp.exists(osp.join(work, 'iter_4.pth'))

    # resume continues from the last checkpoint (iter 4) with the optimizer and message hub restored
    out = run_tool(['tools/train.py', CONFIG, '--work-dir', work, '--resume'] + _opts(6), SHAPES_ROOT=shapes_root)
    assert 'resumed epoch: 0, iter: 4' in out
    assert 'Iter(train) [5/6]' in out and 'Iter(train) [1/6]' not in out
    assert osp.exists(osp.join(work, 'iter_6.pth'))

    # another model's checkpoint (fc layers of 256; the config now 128): one error before training  # id: resume-other-model
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(tmp_path / 'other'), '--resume',
                           osp.join(work, 'iter_4.pth')] + _opts(6) + ['model.roi_head.bbox_head.fc_out_channels=128'],
                          cwd=REPO, env=dict(os.environ, SHAPES_ROOT=shapes_root), capture_output=True, text=True)
    assert proc.returncode != 0
    assert (f'ValueError: --resume {work}/iter_4.pth: the checkpoint is of another model (6 tensors of another shape, '
            'e.g. roi_head.bbox_head.fc_cls.weight: (4, 256) in the checkpoint, (4, 128) in this model)') in proc.stderr

    # a learning rate changed since the checkpoint: a resume would keep the old one  # id: resume-changed-lr
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work, '--resume'] + _opts(8)
                          + ['optim_wrapper.optimizer.lr=0.01'], cwd=REPO, env=dict(os.environ, SHAPES_ROOT=shapes_root),
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert (f"ValueError: --resume {work}/iter_6.pth: the config's learning rate 0.01 is not the checkpoint's "
            '(0.001): a resume continues the checkpoint\'s optimizer and schedule') in proc.stderr

    # evaluating another model's checkpoint: an error, not a random head's AP  # id: test-other-model
    proc = subprocess.run([sys.executable, 'tools/test.py', CONFIG, osp.join(work, 'iter_4.pth'), '--work-dir', work,
                           '--cfg-options', 'model.roi_head.bbox_head.fc_out_channels=128'],
                          cwd=REPO, env=dict(os.environ, SHAPES_ROOT=shapes_root), capture_output=True, text=True)
    assert proc.returncode != 0 and f'ValueError: checkpoint {work}/iter_4.pth is of another model' in proc.stderr

    # a misspelt --cfg-options key: an error naming it and the close matches  # id: cfg-options-typo
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--cfg-options', 'train_cfgs.max_iters=1'],
                          cwd=REPO, env=dict(os.environ, SHAPES_ROOT=shapes_root), capture_output=True, text=True)
    assert proc.returncode != 0
    assert ("ValueError: --cfg-options train_cfgs.max_iters: 'train_cfgs' is neither a key of the config nor a "
            "Runner argument; did you mean ['train_cfg'") in proc.stderr

    show = str(tmp_path / 'show')
    pkl = str(tmp_path / 'preds.pkl')
    out = run_tool(['tools/test.py', CONFIG, osp.join(work, 'iter_6.pth'), '--work-dir', work, '--show-dir', show,
                   '--out', pkl, '--cfg-options', 'test_dataloader.num_workers=0'], SHAPES_ROOT=shapes_root)
    assert 'coco/bbox_mAP_50' in out
    assert osp.exists(pkl)
    assert sorted(os.listdir(show)) == [f'{i:05d}.png' for i in range(8)]  # every val image drawn
    picture = np.asarray(Image.open(osp.join(show, '00000.png')))  # ground truth | prediction, each captioned
    width = picture.shape[1] // 2
    for x in (0, width):  # a black band with white text at the top left of each half
        band = picture[:20, x:x + 60]
        assert (band == 0).mean() > 0.3 and (band > 200).any(), "no caption over this half"
    assert f'pictures of the predictions: {show}' in out
    stamp = sorted(d for d in os.listdir(work) if d[:1].isdigit())[-1]
    with open(osp.join(work, stamp, stamp + '.json')) as f:
        metrics = json.load(f)
    assert 0 <= metrics['coco/bbox_mAP'] <= 1
