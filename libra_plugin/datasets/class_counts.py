"""Class counts of a training set (pixels of a segmentation dataset's label maps, cached on disk; boxes of a
detection dataset's annotations) and the IB class weights."""
import hashlib
import json
import os
import os.path as osp
from typing import Optional

import numpy as np


def _lookup(label_map: Optional[dict], reduce_zero_label: bool) -> np.ndarray:
    lut = np.arange(256, dtype=np.int64)
    if reduce_zero_label:
        lut = np.where(lut == 0, 255, lut - 1)
        lut[255] = 255
    if label_map:
        mapped = lut.copy()
        for old, new in label_map.items():
            mapped[lut == old] = new
        lut = mapped
    return lut


def count_classes(dataset, num_classes: int, ignore_index: int = 255, cache_dir: Optional[str] = None) -> np.ndarray:
    """Pixels of each class ``0 … num_classes − 1`` in the label maps of an mmseg dataset.

    Reads every ``seg_map_path`` of ``dataset`` (``get_data_info``), applies its ``label_map`` and
    ``reduce_zero_label`` as mmseg's ``LoadAnnotations`` would, and counts. The result is cached in
    ``cache_dir`` (default ``~/.cache/libra_plugin/class_counts``) under a key of the files (paths, sizes, times)
    and the mapping, so a second run (or a resume) reads one small JSON.

    Raises:
        ValueError: a label map holds values that are neither classes nor ``ignore_index``, or has more than one
            channel.
    """
    from PIL import Image
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    lut = _lookup(infos[0].get('label_map') if infos else None, bool(infos and infos[0].get('reduce_zero_label')))
    key = hashlib.sha1(json.dumps([[i['seg_map_path'], os.path.getsize(i['seg_map_path']),
                                    os.path.getmtime(i['seg_map_path'])] for i in infos] +
                                  [lut.tolist(), num_classes, ignore_index]).encode()).hexdigest()[:20]
    cache_dir = cache_dir or osp.join(osp.expanduser('~'), '.cache', 'libra_plugin', 'class_counts')
    path = osp.join(cache_dir, f'{key}.json')
    if osp.exists(path):
        with open(path) as f:
            return np.array(json.load(f), dtype=np.int64)
    counts = np.zeros(256, dtype=np.int64)
    for info in infos:
        with Image.open(info['seg_map_path']) as seg:
            labels = np.asarray(seg)
        if labels.ndim != 2:
            raise ValueError(f"label map {info['seg_map_path']} has {labels.shape[2]} channels: a label map is one "
                             'channel of class indices (a colour export? map its colours to class indices)')
        counts += np.bincount(lut[labels.ravel()], minlength=256)[:256]
    bad = [int(v) for v in np.nonzero(counts)[0] if v >= num_classes and v != ignore_index]
    if bad:
        raise ValueError(f'label maps hold values {bad} outside the {num_classes} classes and ignore_index='
                         f'{ignore_index}; map them with the dataset\'s classes/label_map')
    os.makedirs(cache_dir, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(counts[:num_classes].tolist(), f)
    return counts[:num_classes]


def count_box_classes(dataset, num_classes: int) -> np.ndarray:
    """Boxes of each class ``0 … num_classes − 1`` in an mmdet dataset's annotations (``get_data_info``: its
    ``instances``, ignored ones left out), without reading an image; dataset wrappers (``RepeatDataset``,
    ``ClassBalancedDataset``, ``ConcatDataset``) count what they hold.

    Raises:
        ValueError: a box's ``bbox_label`` is outside the classes.
    """
    counts = np.zeros(num_classes, dtype=np.int64)
    for i in range(len(dataset)):
        for inst in dataset.get_data_info(i).get('instances', []):
            if inst.get('ignore_flag', 0):
                continue
            label = int(inst['bbox_label'])
            if not 0 <= label < num_classes:
                raise ValueError(f'a training box has class {label}, outside the head\'s {num_classes} classes')
            counts[label] += 1
    return counts


def inverse_frequency_weights(counts: np.ndarray, power: float = 1.0) -> np.ndarray:
    """``w_c = n_c^(−power) / Σ_k n_k^(−power) · K`` over the K classes present (``power=1``: ``∝ 1/n_c``, 0: all
    1); absent classes get 0 (never a label)."""
    if not (isinstance(power, (int, float)) and power >= 0):
        raise ValueError(f'the class weight power must be a number >= 0, got {power!r}')
    counts = np.asarray(counts, dtype=np.float64)
    present = counts > 0
    if not present.any():
        raise ValueError('no labelled pixel in the training set: class weights cannot be counted')
    inv = np.where(present, np.where(present, counts, 1.0) ** -float(power), 0.0)
    return inv / inv.sum() * present.sum()
