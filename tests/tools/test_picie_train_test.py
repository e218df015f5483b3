"""The PiCIE configs through tools/train.py and tools/test.py on a few CamVid images: clustering every epoch,
validation with Hungarian-matched Thing/Stuff scores, the IB switch rule, and a resume across an epoch boundary
that recomputes the same centroids."""
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {k: osp.join(REPO, 'configs', 'picie', f'picie_mnv2-fpn_camvid_{k}.py') for k in ('ce', 'focal', 'ibfocal')}
SMALL = ['train_dataloader.dataset.pipeline.1.scale=(240,180)', 'model.data_preprocessor.size=(180,240)',
         'model.view_size=(90,120)', 'val_dataloader.dataset.pipeline.1.scale=(120,90)',
         'test_dataloader.dataset.pipeline.1.scale=(120,90)']  # quarter-size images: a faster test
LOADERS = [f'{s}_dataloader.{k}' for s in ('train', 'val', 'test') for k in ('num_workers=0',
                                                                          'persistent_workers=False')]


def _opts(epochs):
    return ['--cfg-options', f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}',
            'train_dataloader.batch_size=4', 'train_dataloader.dataset.indices=8', 'val_dataloader.dataset.indices=2',
            'test_dataloader.dataset.indices=2', 'custom_hooks.0.batch_size=4', 'custom_hooks.0.init_batches=1',
            'default_hooks.logger.interval=1', 'randomness.deterministic=True'] + SMALL + LOADERS


def _state(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.mark.parametrize('kind', sorted(CONFIGS))
def test_trains_validates_and_tests(kind, tmp_path, camvid_root, run_tool):
    work = str(tmp_path / kind)
    out = run_tool(['tools/train.py', CONFIGS[kind], '--work-dir', work] + _opts(2), CAMVID_ROOT=camvid_root)
    assert 'PiCIEClusterHook: epoch 0 view 1: 11 clusters' in out and 'PiCIEClusterHook: epoch 1 view 2' in out
    assert 'Thing_mIoU' in out and 'Stuff_Acc' in out
    if kind == 'ibfocal':
        assert 'IBLossHook: epoch 0 mean training loss' in out
    state = _state(osp.join(work, 'epoch_2.pth'))
    assert state['centroids'].shape == (2, 11, 128) and state['centroids'].norm() > 0
    out = run_tool(['tools/test.py', CONFIGS[kind], osp.join(work, 'epoch_2.pth'), '--work-dir', work,
                    '--cfg-options', 'test_dataloader.dataset.indices=2'] + SMALL[-1:] + LOADERS[-2:],
                   CAMVID_ROOT=camvid_root)
    assert 'Acc' in out and 'IoU.car' in out


def test_resume_across_an_epoch_boundary_recomputes_the_same_clusters(tmp_path, camvid_root, run_tool):
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    run_tool(['tools/train.py', CONFIGS['ce'], '--work-dir', straight] + _opts(2), CAMVID_ROOT=camvid_root)
    run_tool(['tools/train.py', CONFIGS['ce'], '--work-dir', resumed] + _opts(1), CAMVID_ROOT=camvid_root)
    out = run_tool(['tools/train.py', CONFIGS['ce'], '--work-dir', resumed, '--resume'] + _opts(2),
                   CAMVID_ROOT=camvid_root)
    assert 'resumed epoch: 1' in out and 'PiCIEClusterHook: epoch 1 view 1' in out
    a, b = _state(osp.join(straight, 'epoch_2.pth')), _state(osp.join(resumed, 'epoch_2.pth'))
    for key in ('centroids', 'cluster_weight'):
        torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(a['neck.laterals.0.weight'], b['neck.laterals.0.weight'], atol=1e-5, rtol=1e-5)


def test_dataset_smaller_than_one_clustering_batch_is_an_error(tmp_path, camvid_root):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIGS['ce'], '--work-dir', str(tmp_path)] + _opts(1)
                          + ['train_dataloader.dataset.indices=3'], cwd=REPO, capture_output=True, text=True,
                          env=dict(__import__('os').environ, CAMVID_ROOT=camvid_root))
    assert proc.returncode != 0
    assert ('PiCIEClusterHook: the training set has 3 images, fewer than one clustering batch (batch_size=4 x 1 '
            'processes); lower batch_size or add images') in proc.stderr
