import json
import os.path as osp

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from libra_plugin.datasets import SHAPE_CLASSES, make_shapes_coco


def test_writes_coco_layout_with_boxes_inside_images(tmp_path):
    paths = make_shapes_coco(str(tmp_path), num_train=6, num_val=3, size=96, seed=2)
    coco = COCO(paths['train'])
    assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(SHAPE_CLASSES)
    assert len(coco.getImgIds()) == 6 and len(COCO(paths['val']).getImgIds()) == 3
    for ann in coco.loadAnns(coco.getAnnIds()):
        info = coco.loadImgs(ann['image_id'])[0]
        img = cv2.imread(osp.join(str(tmp_path), 'train', info['file_name']))
        assert img.shape == (96, 96, 3)
        x, y, w, h = ann['bbox']
        assert 0 <= x and 0 <= y and x + w <= 96 and y + h <= 96 and w > 4 and h > 4
        assert ann['area'] == w * h and ann['iscrowd'] == 0


def test_same_seed_same_files(tmp_path):
    a = make_shapes_coco(str(tmp_path / 'a'), num_train=2, num_val=1, seed=5)
    b = make_shapes_coco(str(tmp_path / 'b'), num_train=2, num_val=1, seed=5)
    assert json.load(open(a['train'])) == json.load(open(b['train']))
    assert np.array_equal(cv2.imread(str(tmp_path / 'a' / 'train' / '00001.png')),
                          cv2.imread(str(tmp_path / 'b' / 'train' / '00001.png')))


def test_bad_sizes():
    with pytest.raises(ValueError, match='num_train and num_val must be >= 1, got 0 and 3'):
        make_shapes_coco('unused', num_train=0, num_val=3)
