"""A tiny CamVid run through tools/train.py with the CE -> IB focal switch, a resume across it, and tools/test.py."""
import os
import os.path as osp

import torch

import pytest

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'ib_focal', 'fastscnn_camvid_ibfocal.py')


def _opts(max_iters, cache):
    return ['--cfg-options', f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
            'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False', 'train_dataloader.dataset.indices=8',
            'val_dataloader.dataset.indices=2', 'test_dataloader.dataset.indices=2',
            'custom_hooks.0.switch=iter', 'custom_hooks.0.at=2', f'custom_hooks.0.cache_dir={cache}']


def _ib_state(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    return {k.rsplit('.', 1)[-1]: v for k, v in ckpt['state_dict'].items() if 'loss_decode' in k}


def test_switch_resume_and_test(tmp_path, camvid_root, run_tool):
    work, cache = str(tmp_path / 'work'), str(tmp_path / 'counts')
    out = run_tool(['tools/train.py', CONFIG, '--work-dir', work] + _opts(4, cache), CAMVID_ROOT=camvid_root)
    assert 'IBFocalLoss class pixel counts' in out
    assert 'switching from CE to IB focal loss after iteration 2' in out
    assert 'mIoU' in out
    before, after = _ib_state(osp.join(work, 'iter_2.pth')), _ib_state(osp.join(work, 'iter_4.pth'))
    assert bool(before['active']) and float(before['alpha']) == 0  # switched; alpha is set on the next batch
    assert bool(after['active']) and float(after['alpha']) > 0
    assert after['class_weight'].numel() == 11

    # resume across the switch: the run continues in the IB phase, no second switch, counts read from the cache
    out = run_tool(['tools/train.py', CONFIG, '--work-dir', work, '--resume', osp.join(work, 'iter_2.pth')] +
                   _opts(6, cache), CAMVID_ROOT=camvid_root)
    assert 'resumed epoch: 0, iter: 2' in out
    assert 'switching from CE' not in out and 'Iter(train) [6/6]' in out
    assert bool(_ib_state(osp.join(work, 'iter_6.pth'))['active'])

    show = str(tmp_path / 'show')  # the config has no visualization hook (mmseg keeps it in its schedules)
    out = run_tool(['tools/test.py', CONFIG, osp.join(work, 'iter_6.pth'), '--work-dir', work, '--show-dir', show,
                    '--cfg-options', 'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
                   'test_dataloader.dataset.indices=2'], CAMVID_ROOT=camvid_root)
    assert 'mIoU' in out
    pictures = osp.join(show, 'vis_data', 'vis_image')
    assert f'pictures of the predictions: {pictures}' in out
    assert len([f for f in os.listdir(pictures) if f.endswith('.png')]) == 2
