"""A small COCO-format detection dataset drawn on the fly, so the demo and the tests need no download.

Images show filled squares, discs and triangles of random colour and size on a textured background; boxes are
exact. ``make_shapes_coco`` writes mmdet's COCO layout (``annotations/instances_{split}.json`` and
``{split}/*.png``) and is deterministic for a given seed.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

SHAPE_CLASSES = ('square', 'disc', 'triangle')


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    base = rng.integers(40, 200, size=3)
    ramp = np.linspace(-30, 30, size)[None, :, None] * rng.choice([-1, 1])
    noise = rng.normal(0, 12, size=(size, size, 3))
    return np.clip(base[None, None, :] + ramp + noise, 0, 255).astype(np.uint8)


def _draw(img: np.ndarray, label: int, cx: float, cy: float, r: float, color: Tuple[int, ...]) -> List[float]:
    import cv2
    if label == 0:
        x0, y0, x1, y1 = int(cx - r), int(cy - r), int(cx + r), int(cy + r)
        cv2.rectangle(img, (x0, y0), (x1, y1), color, thickness=-1)
        return [x0, y0, x1 + 1, y1 + 1]
    if label == 1:
        cv2.circle(img, (int(cx), int(cy)), int(r), color, thickness=-1)
        return [int(cx) - int(r), int(cy) - int(r), int(cx) + int(r) + 1, int(cy) + int(r) + 1]
    pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], dtype=np.int32)
    cv2.fillPoly(img, [pts], color)
    return [int(pts[:, 0].min()), int(pts[:, 1].min()), int(pts[:, 0].max()) + 1, int(pts[:, 1].max()) + 1]


def _overlaps(box: List[float], boxes: List[List[float]]) -> bool:
    for b in boxes:
        iw = min(box[2], b[2]) - max(box[0], b[0])
        ih = min(box[3], b[3]) - max(box[1], b[1])
        if iw > 0 and ih > 0:
            return True
    return False


def _make_image(rng: np.random.Generator, size: int, max_objects: int) -> Tuple[np.ndarray, List[Dict]]:
    img = _background(rng, size)
    placed: List[List[float]] = []
    anns = []
    for _ in range(int(rng.integers(1, max_objects + 1))):
        for _attempt in range(20):
            r = float(rng.uniform(size * 0.06, size * 0.2))
            cx, cy = rng.uniform(r + 1, size - r - 2, size=2)
            box = [cx - r, cy - r, cx + r + 1, cy + r + 1]
            if not _overlaps(box, placed):
                break
        else:
            continue
        label = int(rng.integers(0, len(SHAPE_CLASSES)))
        color = tuple(int(c) for c in rng.integers(0, 256, size=3))
        x0, y0, x1, y1 = _draw(img, label, cx, cy, r, color)
        placed.append(box)
        anns.append(dict(category_id=label + 1, bbox=[x0, y0, x1 - x0, y1 - y0], area=float((x1 - x0) * (y1 - y0)),
                         iscrowd=0))
    return img, anns


def make_shapes_coco(root: str, num_train: int = 240, num_val: int = 60, size: int = 256, max_objects: int = 4,
                     seed: int = 0) -> Dict[str, str]:
    """Write a train and a val split of the shapes dataset under ``root`` in mmdet's COCO layout.

    Args:
        root (str): Output folder; created if missing. Existing files of the same names are overwritten.
        num_train (int): Training images. Defaults to 240.
        num_val (int): Validation images. Defaults to 60.
        size (int): Image side in pixels. Defaults to 256.
        max_objects (int): Most objects per image (1 to this many, non-overlapping). Defaults to 4.
        seed (int): Random seed; the same seed writes the same files. Defaults to 0.

    Returns:
        dict: Paths of the two annotation files, keys ``'train'`` and ``'val'``.
    """
    import cv2
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got {num_train} and {num_val}')
    rng = np.random.default_rng(seed)
    categories = [dict(id=i + 1, name=name) for i, name in enumerate(SHAPE_CLASSES)]
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    out = {}
    ann_id = 1
    for split, count in (('train', num_train), ('val', num_val)):
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, annotations = [], []
        for i in range(count):
            img, anns = _make_image(rng, size, max_objects)
            name = f'{i:05d}.png'
            cv2.imwrite(osp.join(root, split, name), img[:, :, ::-1])
            images.append(dict(id=i + 1, file_name=name, width=size, height=size))
            for ann in anns:
                annotations.append(dict(id=ann_id, image_id=i + 1, **ann))
                ann_id += 1
        path = osp.join(root, 'annotations', f'instances_{split}.json')
        with open(path, 'w') as f:
            json.dump(dict(images=images, annotations=annotations, categories=categories), f)
        out[split] = path
    return out
