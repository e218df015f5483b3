"""Bad inputs found in use: each a clear error before the first iteration, naming the setting and what is allowed."""
import pytest
import torch


def test_bfp_levels_smallest_first():  # id: bfp-level-order
    from libra_plugin.models import BFP
    neck = BFP(in_channels=4, num_levels=3, refine_level=1)
    levels = [torch.randn(1, 4, s, s) for s in (4, 8, 16)]  # smallest first
    with pytest.raises(ValueError, match=r'BFP inputs: level 1 \(8x8\) is larger than level 0 \(4x4\): the levels '
                                         'must run from the largest map'):
        neck(levels)


@pytest.mark.parametrize('view_size,hint', [(0, ''), ((-1, 64), ''), (64, '; for square views write (64, 64)')])
def test_picie_view_size(view_size, hint):  # id: picie-view-size
    import re

    from libra_plugin.models import PiCIE
    message = f'view_size must be (H, W), two integers >= 8 (the views the backbone sees), got {view_size!r}{hint}'
    with pytest.raises(ValueError, match=re.escape(message) + '$'):
        PiCIE(backbone=dict(type='x'), neck=dict(type='x'), num_clusters=3, loss_decode=dict(type='x'),
              view_size=view_size)


def test_kmeans_pool_smaller_than_k_names_the_hook_settings():  # id: picie-kmeans-pool
    from libra_plugin.engine import PiCIEClusterHook
    from libra_plugin.functional import MiniBatchKMeans
    hook = PiCIEClusterHook(batch_size=2, init_batches=1)
    km = MiniBatchKMeans(16, 1, 1)
    with pytest.raises(ValueError, match=r"PiCIEClusterHook: k-means needs at least k = 16 points, got 4 in its "
                                         r'initial pool \(init_batches=1 batches of batch_size=2 images'):
        hook._fit(km, torch.randn(4, 8), 16)


def test_metric_clusters_other_than_the_models():  # id: picie-metric-k
    from types import SimpleNamespace

    from libra_plugin.engine import PiCIEClusterHook
    from libra_plugin.evaluation import UnsupervisedSegMetric
    runner = SimpleNamespace(_val_loop=SimpleNamespace(evaluator=SimpleNamespace(
        metrics=[UnsupervisedSegMetric(num_clusters=27)])))
    with pytest.raises(ValueError, match=r"UnsupervisedSegMetric\(num_clusters=27\) but the model has "
                                         "num_clusters=11: set the metric's num_clusters to the model's"):
        PiCIEClusterHook._check_metrics(runner, SimpleNamespace(num_clusters=11))


def test_camvid_images_of_another_suffix(tmp_path, mmseg_scope):  # id: camvid-suffix
    from PIL import Image

    from libra_plugin.datasets import CamVidDataset
    for d in ('train', 'trainannot'):
        (tmp_path / d).mkdir()
        Image.new('L', (8, 8)).save(tmp_path / d / 'a.jpg')
    with pytest.raises(ValueError, match=r"CamVidDataset found no '.png' image in .*train \(its files end in "
                                         r"\['.jpg'\]: set img_suffix / seg_map_suffix\)"):
        CamVidDataset(data_root=str(tmp_path), data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                      lazy_init=False)
