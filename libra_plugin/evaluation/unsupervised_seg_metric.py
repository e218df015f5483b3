"""Hungarian-matched scores of an unsupervised segmentation (clusters, not classes) for mmseg's evaluator."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from libra_plugin.functional.cluster_matching import (histogram, legacy_block_scores, match_clusters,
                                                      matched_scores)
from libra_plugin.registry import METRICS


@METRICS.register_module()
class UnsupervisedSegMetric(BaseMetric):
    """Pixel accuracy, mIoU and per-class IoU after matching clusters to classes one-to-one (Hungarian method on
    the (class, cluster) histogram of the whole evaluation set, as PiCIE's evaluation). With more clusters than
    classes the unmatched clusters' pixels count as wrong. ``class_groups`` (e.g. PiCIE's Thing / Stuff) are
    scored by class: accuracy over the pixels of the group's classes and the mean IoU of those classes.

    Keys (percent, like mmseg's ``IoUMetric``): ``Acc``, ``mIoU``, ``IoU.<class>``, ``<Group>_Acc``,
    ``<Group>_mIoU``; with ``legacy_split=n`` also PiCIE's released Thing/Stuff figures (blocks ``[:n, :n]`` /
    ``[n:, n:]`` of its cluster-indexed histogram, see ``functional.cluster_matching.legacy_block_scores``) as
    ``legacy_thing_acc`` etc., labelled legacy because they are not per-class-group metrics.

    Args:
        num_clusters (int): K of the model, >= 2 (may exceed the number of classes).
        class_groups (dict, optional): Group name -> class names. Defaults to None.
        legacy_split (int, optional): See above. Defaults to None.
        ignore_index (int): Label value left out. Defaults to 255.
    """

    def __init__(self, num_clusters: int, class_groups: Optional[Dict[str, Sequence[str]]] = None,
                 legacy_split: Optional[int] = None, ignore_index: int = 255, collect_device: str = 'cpu',
                 prefix: Optional[str] = None, **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not isinstance(num_clusters, int) or num_clusters < 2:
            raise ValueError(f'num_clusters must be an integer >= 2, got {num_clusters!r}')
        self.num_clusters = num_clusters
        self.class_groups = dict(class_groups or {})
        self.legacy_split = legacy_split
        self.ignore_index = ignore_index

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        classes = tuple(meta['classes'])
        for group, names in self.class_groups.items():
            unknown = [n for n in names if n not in classes]
            if unknown:
                raise ValueError(f'UnsupervisedSegMetric: class_groups[{group!r}] names {unknown}, which are not '
                                 f'classes of the dataset {list(classes)}')
        if self.legacy_split is not None and len(classes) != self.num_clusters:
            raise ValueError(f'UnsupervisedSegMetric: legacy_split needs as many clusters as classes, got '
                             f'{self.num_clusters} clusters for {len(classes)} classes')
        self._dataset_meta = meta

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze(0).cpu()
            label = sample['gt_sem_seg']['data'].squeeze(0).cpu().to(pred)
            self.results.append(histogram(label, pred, num_classes, self.num_clusters, self.ignore_index))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        classes = list(self.dataset_meta['classes'])
        hist = torch.stack(results).sum(0)
        mapping = match_clusters(hist)
        groups = {g: [classes.index(n) for n in names] for g, names in self.class_groups.items()}
        s = matched_scores(hist, mapping, groups)
        out = OrderedDict(Acc=100 * s['acc'], mIoU=100 * s['miou'])
        for g in groups:
            out[f'{g}_Acc'], out[f'{g}_mIoU'] = 100 * s[f'{g}_acc'], 100 * s[f'{g}_miou']
        for name, iou in zip(classes, s['iou'].tolist()):
            out[f'IoU.{name}'] = 100 * iou
        if self.legacy_split is not None:
            out.update({k: 100 * v for k, v in legacy_block_scores(hist, mapping, self.legacy_split).items()})
        matched = {classes[c]: k for k, c in enumerate(mapping.tolist()) if c >= 0}
        print_log(f'UnsupervisedSegMetric: cluster of each class {matched}', logger='current')
        return {k: round(v, 2) for k, v in out.items()}
