"""A tiny PiCIE and its clusters, shared by the segmentor's and the clustering hook's tests."""
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from libra_plugin.models import PiCIE

K = 4


def tiny(loss=None, views=None, test_cfg=None):
    return PiCIE(
        backbone=dict(type='mmdet.ResNet', depth=18, base_channels=8, out_indices=(0, 1, 2, 3), init_cfg=None),
        neck=dict(type='libra_plugin.PiCIEFPN', in_channels=[8, 16, 32, 64], out_channels=16),
        num_clusters=K, view_size=(32, 48), loss_decode=loss or dict(type='CrossEntropyLoss'), views=views,
        test_cfg=test_cfg,
        data_preprocessor=dict(type='SegDataPreProcessor', mean=None, std=None, bgr_to_rgb=True))


def samples(indices):
    return [SegDataSample(metainfo=dict(sample_idx=i, img_shape=(64, 96), ori_shape=(64, 96))) for i in indices]


def clustered(model, indices, seed=0):
    g = torch.Generator().manual_seed(seed)
    centroids = F.normalize(torch.randn(2, K, 16, generator=g), dim=2)
    weights = torch.rand(2, K, generator=g) + 0.1
    weights = weights / weights.sum(1, keepdim=True)
    labels = {v: {i: torch.randint(K, (8, 12), generator=g, dtype=torch.long).to(torch.uint8) for i in indices}
              for v in (1, 2)}
    model.set_clusters(centroids, weights, labels)
    model.set_eval_clusters(F.normalize(torch.randn(K, 16, generator=g), dim=1))
    return centroids, weights, labels
