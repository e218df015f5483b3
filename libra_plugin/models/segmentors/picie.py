"""PiCIE (Cho et al., CVPR 2021): unsupervised semantic segmentation by clustering with invariance and
equivariance, as an mmseg segmentor."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.segmentors.base import BaseSegmentor
from torch import Tensor

from libra_plugin.functional.picie_views import DEFAULTS, crop_flip, draw_view, photometric
from libra_plugin.registry import MODELS

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@MODELS.register_module()
class PiCIE(BaseSegmentor):
    """Two-view training against the clusters of the previous pass; prediction is the nearest cluster.

    Each epoch ``PiCIEClusterHook`` clusters every training pixel's embedding per view into ``num_clusters``
    (:meth:`view_features`, mini-batch k-means) and hands the centroids, the cluster weights and each image's
    pseudo-labels to this model (:meth:`set_clusters`). A training step embeds view 1 (photometric transform 1,
    then the crop/flip of the image) and view 2 (photometric transform 2, then the crop/flip of its feature map),
    scores each against both views' centroids (a frozen 1×1 convolution, the centroids as weights, no bias) and
    averages four losses: each view against its own pseudo-labels and against the other view's (PiCIE's ``loss =
    (across + within) / 2``). Pixels are weighted by the size of their cluster, normalised to a mean of 1 over the
    batch — PiCIE's ``CrossEntropyLoss(weight=counts / counts.sum())`` for any mmseg-contract ``loss_decode``
    (``CrossEntropyLoss``, ``libra_plugin.SoftmaxFocalLoss``, ``libra_plugin.IBFocalLoss``).

    For ``IBFocalLoss`` the per-pixel feature ``h`` is the L2-normalised embedding, the classifier's input as the
    IB loss defines it; its L1 norm (between 1 and √D) measures how spread the embedding is over channels, while
    its L2 norm would be 1 everywhere and remove the feature term. ``IBLossHook`` switches CE → IB focal.

    Images enter as RGB in ``[0, 255]`` (``SegDataPreProcessor`` with no mean/std) because the photometric views
    work in ``[0, 1]``; the ImageNet normalisation follows inside. Prediction (``mode='predict'``) gives each pixel
    the evaluation cluster with the largest dot product (a cluster id, not a class: ``UnsupervisedSegMetric``
    matches clusters to classes). The evaluation clusters are PiCIE's reported protocol: a fresh k-means of the
    un-augmented training images (:meth:`eval_features`) with the current weights, set by ``PiCIEClusterHook``
    (:meth:`set_eval_clusters`), not the training centroids clustered before the last epoch.

    ``test_cfg=dict(pred_shape='img_shape')`` scores the prediction at the input's own size (after the test
    pipeline's resize and crop) instead of ``ori_shape``: for a test pipeline that crops the label with the image
    (PiCIE's COCO-Stuff evaluation: short side 320, centre crop 320, image and label alike); the default
    ``'ori_shape'`` is mmseg's (the label loaded at its original size after the image was resized).

    Args:
        backbone (dict): Backbone config (e.g. ``mmdet.MobileNetV2`` with ``libra://mobilenet_v2``).
        neck (dict): Decoder config, e.g. ``libra_plugin.PiCIEFPN``; its first output is the embedding.
        num_clusters (int): K, >= 2.
        loss_decode (dict): An mmseg-contract segmentation loss.
        view_size (tuple[int, int]): ``(H, W)`` of both views' inputs (PiCIE: half the base image).
        views (dict, optional): Overrides of the view options (``picie_views.DEFAULTS``).
        data_preprocessor (dict, optional): ``SegDataPreProcessor`` config.
        init_cfg (dict, optional): Initialisation config.
    """

    supplies_ib_features = True  # IBLossHook: this model hands IBFocalLoss its features itself

    def __init__(self, backbone: dict, neck: dict, num_clusters: int, loss_decode: dict,
                 view_size: Tuple[int, int], views: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 train_cfg=None, test_cfg=None, init_cfg=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(num_clusters, int) or num_clusters < 2:
            raise ValueError(f'num_clusters must be an integer >= 2, got {num_clusters!r}')
        if not (isinstance(view_size, (tuple, list)) and len(view_size) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 8 for v in view_size)):
            raise ValueError(f'view_size must be (H, W), two integers >= 8 (the views the backbone sees), got '
                             f'{view_size!r}' + (f'; for square views write ({view_size}, {view_size})'
                                                 if isinstance(view_size, int) and view_size >= 8 else ''))
        unknown = set(views or {}) - set(DEFAULTS)
        if unknown:
            raise ValueError(f'unknown views options {sorted(unknown)}; allowed: {sorted(DEFAULTS)}')
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.loss_decode = MODELS.build(loss_decode)
        self.num_clusters = num_clusters
        self.view_size = tuple(view_size)
        self.view_options = dict(views or {})
        dim = self.neck.out_channels
        self.register_buffer('centroids', torch.zeros(2, num_clusters, dim))
        self.register_buffer('cluster_weight', torch.ones(2, num_clusters) / num_clusters)
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.pseudo_labels: Dict[int, Dict[int, Tensor]] = {1: {}, 2: {}}
        self.view_seed, self.epoch = 0, 0
        self.register_buffer('eval_centroids', torch.zeros(num_clusters, dim))
        self.align_corners = False  # BaseSegmentor.postprocess_result resizes the logits with it
        self.pred_shape = (test_cfg or {}).get('pred_shape', 'ori_shape')
        if self.pred_shape not in ('ori_shape', 'img_shape'):
            raise ValueError(f"test_cfg.pred_shape must be 'ori_shape' or 'img_shape', got {self.pred_shape!r}")

    # --- the clustering hook's interface -----------------------------------------------------------------------
    def set_epoch(self, epoch: int, seed: int) -> None:
        """The epoch and seed that fix every image's views (the hook sets both before clustering)."""
        self.epoch, self.view_seed = int(epoch), int(seed or 0)

    def set_clusters(self, centroids: Tensor, weights: Tensor, labels: Dict[int, Dict[int, Tensor]]) -> None:
        """Centroids ``(2, K, D)``, cluster weights ``(2, K)`` and pseudo-labels ``{view: {sample_idx: (h, w)}}``."""
        self.centroids.copy_(centroids)
        self.cluster_weight.copy_(weights)
        self.pseudo_labels = labels

    def set_eval_clusters(self, centroids: Tensor) -> None:
        """The evaluation centroids ``(K, D)`` (PiCIE's fresh clustering of un-augmented training images)."""
        self.eval_centroids.copy_(centroids)

    def has_eval_clusters(self) -> bool:
        return bool(self.eval_centroids.any())

    def eval_features(self, inputs: Tensor) -> Tensor:
        """L2-normalised embeddings of un-augmented images ``inputs`` ``(B, 3, H, W)`` in ``[0, 255]`` resized to
        ``view_size`` (the evaluation resolution): PiCIE's features for its evaluation clustering."""
        x01 = F.interpolate(inputs.float() / 255, size=self.view_size, mode='bilinear', align_corners=False)
        return F.normalize(self.embed(x01), dim=1)

    def embed(self, x01: Tensor) -> Tensor:
        """Raw (not normalised) embeddings ``(B, D, h, w)`` of RGB images in ``[0, 1]``."""
        return self.neck(self.backbone((x01 - self.mean) / self.std))[0]

    def view_features(self, inputs: Tensor, indices: Sequence[int], view: int) -> Tensor:
        """L2-normalised embeddings of ``view`` (1 or 2) of the images ``inputs`` ``(B, 3, H, W)`` in ``[0, 255]``,
        whose dataset indices are ``indices``; both views' maps are aligned (same crop and flip)."""
        x01 = inputs.float() / 255
        geo = [draw_view(self.view_seed, self.epoch, i, 0, **self.view_options) for i in indices]
        photo = [draw_view(self.view_seed, self.epoch, i, view, **self.view_options) for i in indices]
        x01 = torch.stack([photometric(img, p) for img, p in zip(x01, photo)])
        boxes, flips = [g['box'] for g in geo], [g['flip'] for g in geo]
        if view == 1:
            feats = self.embed(crop_flip(x01, boxes, flips, self.view_size))
        elif view == 2:
            raw = self.embed(F.interpolate(x01, size=self.view_size, mode='bilinear', align_corners=False))
            feats = crop_flip(raw, boxes, flips, raw.shape[2:])
        else:
            raise ValueError(f'view must be 1 or 2, got {view!r}')
        return F.normalize(feats, dim=1)

    # --- training ------------------------------------------------------------------------------------------------
    def _term(self, feats: Tensor, view: int, labels: Tensor) -> Tensor:
        logits = F.conv2d(feats, self.centroids[view - 1][:, :, None, None])
        w = self.cluster_weight[view - 1][labels]
        if hasattr(self.loss_decode, 'set_feature'):
            self.loss_decode.set_feature(feats)  # IBFocalLoss: the per-pixel feature h
        return self.loss_decode(logits, labels, weight=w / w.mean().clamp_min(1e-12), ignore_index=255)

    def _labels(self, indices: Sequence[int], view: int, device) -> Tensor:
        store = self.pseudo_labels[view]
        missing = [i for i in indices if i not in store]
        if missing:
            raise RuntimeError(f'no pseudo-labels for images {missing[:5]} of view {view}: add '
                               "custom_hooks=[dict(type='libra_plugin.PiCIEClusterHook')] to the config (it "
                               'clusters before every epoch)')
        return torch.stack([store[i] for i in indices]).to(device=device, dtype=torch.long)

    def loss(self, inputs: Tensor, data_samples: List) -> dict:
        indices = [int(s.metainfo['sample_idx']) for s in data_samples]
        f1, f2 = self.view_features(inputs, indices, 1), self.view_features(inputs, indices, 2)
        l1, l2 = self._labels(indices, 1, inputs.device), self._labels(indices, 2, inputs.device)
        across = (self._term(f1, 2, l2) + self._term(f2, 1, l1)) / 2
        within = (self._term(f1, 1, l1) + self._term(f2, 2, l2)) / 2
        return {self.loss_decode.loss_name: (across + within) / 2}

    # --- inference -----------------------------------------------------------------------------------------------
    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        return [F.normalize(self.embed(inputs.float() / 255), dim=1)]

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Cluster logits (dot products with the evaluation centroids), upsampled to the input size."""
        if not self.has_eval_clusters():
            raise RuntimeError('PiCIE has no evaluation clusters yet (all 0): evaluate with '
                               "custom_hooks=[dict(type='libra_plugin.PiCIEClusterHook')] in the config; it "
                               'clusters the un-augmented training images before validation and test')
        logits = F.conv2d(self.extract_feat(inputs)[0], self.eval_centroids[:, :, None, None])
        return F.interpolate(logits, size=inputs.shape[2:], mode='bilinear', align_corners=False)

    def predict(self, inputs: Tensor, data_samples: Optional[List] = None) -> List:
        if data_samples is not None and self.pred_shape == 'img_shape':
            for s in data_samples:  # the evaluated frame is the pipeline's crop (see the class docstring)
                s.set_metainfo(dict(ori_shape=s.metainfo['img_shape']))
        return self.postprocess_result(self.encode_decode(inputs, []), data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[List] = None) -> Tensor:
        return self.encode_decode(inputs, [])
