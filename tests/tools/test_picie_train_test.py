"""The PiCIE configs through tools/train.py and tools/test.py on a few CamVid images: clustering every epoch,
validation with Hungarian-matched Thing/Stuff scores, the IB switch rule, a resume across an epoch boundary that
recomputes the same centroids, and the published-scale COCO-Stuff-27 config built on generated data."""
import os
import os.path as osp
import re

import pytest
import torch

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {k: osp.join(REPO, 'configs', 'picie', f'picie_mnv2-fpn_camvid_{k}.py') for k in ('ce', 'focal', 'ibfocal')}
FLOOR = osp.join(REPO, 'configs', 'picie', 'picie_mnv2-fpn_camvid_floor.py')
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


def _independent_acc(config, checkpoint, camvid_root):
    """Pixel accuracy (%) of the checkpoint on the first 2 test images: its evaluation clusters predict, a
    (class, cluster) count matrix in numpy and scipy's Hungarian matching score it; no plugin metric code."""
    import numpy as np
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS, MODELS
    from mmseg.utils import register_all_modules
    from scipy.optimize import linear_sum_assignment
    register_all_modules(init_default_scope=False)
    os.environ['CAMVID_ROOT'] = camvid_root
    cfg = Config.fromfile(config)
    cfg.test_dataloader.dataset.pipeline[1].scale = (120, 90)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model).eval()
        model.load_state_dict(_state(checkpoint))
        dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, indices=2))
        data = model.data_preprocessor(pseudo_collate([dataset[0], dataset[1]]), False)
        with torch.no_grad():
            results = model(**data, mode='predict')
    counts = np.zeros((11, 11))
    for r in results:
        gt, pred = r.gt_sem_seg.data[0].numpy(), r.pred_sem_seg.data[0].numpy()
        keep = gt != 255
        np.add.at(counts, (gt[keep], pred[keep]), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return 100 * counts[rows, cols].sum() / counts.sum()


def _state(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.mark.parametrize('kind', sorted(CONFIGS))
def test_trains_validates_and_tests(kind, tmp_path, camvid_root, run_tool, monkeypatch, capsys):
    monkeypatch.setenv('CAMVID_ROOT', camvid_root)
    work = str(tmp_path / kind)
    out = run_tool(['tools/train.py', CONFIGS[kind], '--work-dir', work] + _opts(2), CAMVID_ROOT=camvid_root)
    assert 'PiCIEClusterHook: epoch 0 view 1: 11 clusters' in out and 'PiCIEClusterHook: epoch 1 view 2' in out
    assert 'Thing_mIoU' in out and 'Stuff_Acc' in out
    if kind == 'ibfocal':
        assert 'IBLossHook: switching from CE to IB focal loss after iteration 2 (epoch 1 reached)' in out
    state = _state(osp.join(work, 'epoch_2.pth'))
    assert state['centroids'].shape == (2, 11, 128) and state['centroids'].norm() > 0
    out = run_tool(['tools/test.py', CONFIGS[kind], osp.join(work, 'epoch_2.pth'), '--work-dir', work,
                    '--cfg-options', 'test_dataloader.dataset.indices=2'] + SMALL[-1:] + LOADERS[-2:],
                   CAMVID_ROOT=camvid_root)
    assert 'Acc' in out and 'IoU.car' in out
    if kind == 'ce':  # the logged accuracy is the checkpoint's own prediction, matched by an independent Hungarian
        logged = float(re.search(r'Acc: ([0-9.]+)', out[out.rfind('Iter(test)'):]).group(1))
        assert logged == pytest.approx(_independent_acc(CONFIGS[kind], osp.join(work, 'epoch_2.pth'), camvid_root),
                                       abs=0.01)
        # the picture's matching is the metric's: the same accuracy for the trained model, drawn for 2 images
        from libra_plugin.cli.main import main
        picture = str(tmp_path / 'picie.png')
        main(['picie-picture', CONFIGS[kind], osp.join(work, 'epoch_2.pth'), osp.join(work, 'epoch_1.pth'),
              '--images', '2', '--out', picture, '--cfg-options', 'test_dataloader.dataset.indices=2']
             + SMALL[-1:] + LOADERS[-2:])
        printed = capsys.readouterr().out
        assert f'trained: Acc {logged:.1f},' in printed and 'floor: Acc ' in printed
        import cv2
        assert cv2.imread(picture).shape == (28 + 2 * 240, 4 * 320, 3)  # 2 rows of 360 x 480 frames at 320 wide
    if kind == 'ce':  # resume across the epoch boundary: the same clusters are recomputed
        resumed = str(tmp_path / 'resumed')
        run_tool(['tools/train.py', CONFIGS[kind], '--work-dir', resumed] + _opts(1), CAMVID_ROOT=camvid_root)
        out = run_tool(['tools/train.py', CONFIGS[kind], '--work-dir', resumed, '--resume'] + _opts(2),
                       CAMVID_ROOT=camvid_root)
        assert 'resumed epoch: 1' in out and 'PiCIEClusterHook: epoch 1 view 1' in out
        other = _state(osp.join(resumed, 'epoch_2.pth'))
        for key in ('centroids', 'cluster_weight', 'neck.laterals.0.weight'):
            torch.testing.assert_close(state[key], other[key], atol=1e-5, rtol=1e-5)


def test_floor_scores_the_first_clustering_of_unchanged_imagenet_features(tmp_path, camvid_root, run_tool):
    """The floor config learns nothing: its backbone is still the ImageNet checkpoint (BatchNorm statistics too) and
    its centroids are the first clustering of the CE config with the same seed, before CE trains on it."""
    from libra_plugin.utils import pretrained
    opts = _opts(1)[1:]
    out = run_tool(['tools/train.py', FLOOR, '--work-dir', str(tmp_path / 'floor'), '--cfg-options'] + opts,
                   CAMVID_ROOT=camvid_root)
    assert 'Thing_mIoU' in out
    floor = _state(str(tmp_path / 'floor' / 'epoch_1.pth'))
    run_tool(['tools/train.py', CONFIGS['ce'], '--work-dir', str(tmp_path / 'ce'), '--cfg-options'] + opts,
             CAMVID_ROOT=camvid_root)
    ce = _state(str(tmp_path / 'ce' / 'epoch_1.pth'))
    imagenet = torch.load(pretrained.prepare('mobilenet_v2'), map_location='cpu', weights_only=False)['state_dict']
    backbone = {k[len('backbone.'):]: v for k, v in floor.items() if k.startswith('backbone.')}
    assert backbone.keys() <= imagenet.keys() and len(backbone) > 100
    for key, value in backbone.items():
        torch.testing.assert_close(value, imagenet[key], rtol=0, atol=0)
    torch.testing.assert_close(floor['centroids'], ce['centroids'], atol=1e-6, rtol=1e-6)
    assert not torch.equal(floor['neck.laterals.0.weight'], ce['neck.laterals.0.weight'])  # CE did learn


def test_dataset_smaller_than_one_clustering_batch_is_an_error(tmp_path, camvid_root):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, 'tools/train.py', CONFIGS['ce'], '--work-dir', str(tmp_path)] + _opts(1)
                          + ['train_dataloader.dataset.indices=3'], cwd=REPO, capture_output=True, text=True,
                          env=dict(__import__('os').environ, CAMVID_ROOT=camvid_root))
    assert proc.returncode != 0
    assert ('PiCIEClusterHook: the training set has 3 images, fewer than one clustering batch (batch_size=4 x 1 '
            'processes); lower batch_size or add images') in proc.stderr


def test_cocostuff27_gpu_config_builds(tmp_path, mmseg_scope, monkeypatch):
    """The published-scale config (not run here): model, dataset on a generated 2-image COCO-Stuff layout, metric."""
    import numpy as np
    from mmengine.config import Config
    from mmseg.registry import DATASETS, METRICS, MODELS
    from PIL import Image

    from libra_plugin.datasets import COARSE_CLASSES
    from libra_plugin.datasets.coco_stuff27 import FINE_TO_COARSE
    root = tmp_path / 'cocostuff'
    for split in ('train2017', 'val2017'):
        (root / 'images' / split).mkdir(parents=True)
        (root / 'annotations' / split).mkdir(parents=True)
        (root / 'curated' / split).mkdir(parents=True)
        for name in ('000000000001', '000000000002'):
            Image.fromarray(np.zeros((480, 700, 3), np.uint8)).save(root / 'images' / split / f'{name}.jpg')
            label = np.full((480, 700), 255, np.uint8)
            label[:240] = 0  # person (fine 0) -> coarse 9
            label[240:300] = 156  # sky-other -> coarse 23
            Image.fromarray(label).save(root / 'annotations' / split / f'{name}.png')
        (root / 'curated' / split / 'Coco164kFull_Stuff_Coarse_7.txt').write_text('000000000001\n000000000002\n')
    monkeypatch.setenv('COCOSTUFF_ROOT', str(root) + '/')
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'picie', 'picie_r18-fpn_cocostuff27.py'))
    assert len(FINE_TO_COARSE) == 182 and len(COARSE_CLASSES) == 27
    cfg.model.backbone.init_cfg = None  # no download in the test
    model = MODELS.build(cfg.model)
    assert model.num_clusters == 27 and model.neck.out_channels == 128
    val = DATASETS.build(cfg.val_dataloader.dataset)
    item = val[0]
    assert item['inputs'].shape == (3, 320, 320)
    assert set(item['data_samples'].gt_sem_seg.data.unique().tolist()) == {9, 23, 255}
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert train[1]['inputs'].shape == (3, 640, 640) and train[1]['data_samples'].metainfo['sample_idx'] == 1
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = val.metainfo
    assert metric.legacy_split == 12 and metric.class_groups['Thing'][9] == 'person'
