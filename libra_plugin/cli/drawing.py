"""Captions for the pictures of ``tools/test.py --show-dir``.

mmdet's and mmseg's visualizers save the ground truth and the prediction side by side (``np.concatenate(axis=1)``,
each at the original image's size) with nothing saying which half is which; :func:`caption_halves` writes
"ground truth" over the left half and "prediction" over the right one of every such picture.
"""
import os
import os.path as osp
from typing import Dict

import numpy as np

CAPTIONS = ('ground truth', 'prediction')


def _caption(img: np.ndarray, text: str, x: int) -> None:
    import cv2
    scale = max(0.5, img.shape[0] / 600)
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    cv2.rectangle(img, (x, 0), (x + w + 8, h + base + 8), (0, 0, 0), -1)
    cv2.putText(img, text, (x + 4, h + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)


def caption_halves(pictures_dir: str, widths: Dict[str, int]) -> int:
    """Caption the pictures in ``pictures_dir`` whose width is twice their source image's (``widths``: file
    name -> source width; pictures are named like their source); returns how many were captioned."""
    import cv2
    done = 0
    for name in sorted(os.listdir(pictures_dir)) if osp.isdir(pictures_dir) else []:
        width = widths.get(osp.splitext(name)[0])
        path = osp.join(pictures_dir, name)
        img = cv2.imread(path)
        if img is None or width is None or img.shape[1] != 2 * width:
            continue
        _caption(img, CAPTIONS[0], 0)
        _caption(img, CAPTIONS[1], width)
        cv2.imwrite(path, img)
        done += 1
    return done


def source_widths(dataset) -> Dict[str, int]:
    """File stem -> image width of every image of an mmdet / mmseg dataset (from the file's header)."""
    from PIL import Image
    out = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        path = info.get('img_path')
        if path:
            with Image.open(path) as img:
                out[osp.splitext(osp.basename(path))[0]] = img.size[0]
    return out
