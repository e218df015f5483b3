"""Detections made from a COCO annotation file, for checking and timing evaluators without a trained model."""
import json

import numpy as np
import torch


def noisy_predictions(ann_file: str, seed: int = 0, false_positives: int = 20) -> list:
    """Per image: the ground truth boxes jittered, some with a wrong label, plus random false positives."""
    with open(ann_file) as f:
        coco = json.load(f)
    rng = np.random.default_rng(seed)
    cat_ids = sorted(c['id'] for c in coco['categories'])
    by_image = {img['id']: [] for img in coco['images']}
    for ann in coco['annotations']:
        by_image[ann['image_id']].append(ann)
    samples = []
    for img in coco['images']:
        w, h = img['width'], img['height']
        boxes, labels = [], []
        for ann in by_image[img['id']]:
            x, y, bw, bh = ann['bbox']
            jitter = rng.normal(0, 0.1, 4) * [bw, bh, bw, bh]
            boxes.append([x, y, x + bw, y + bh] + jitter)
            label = cat_ids.index(ann['category_id'])
            labels.append(label if rng.random() > 0.2 else int(rng.integers(len(cat_ids))))
        xy = rng.uniform(0, 1, (false_positives, 2)) * [w, h]
        wh = rng.uniform(4, 0.5 * min(w, h), (false_positives, 2))
        boxes += list(np.concatenate([xy, xy + wh], 1))
        labels += list(rng.integers(len(cat_ids), size=false_positives))
        boxes = np.clip(np.array(boxes, dtype=np.float32).reshape(-1, 4), 0, [w, h, w, h])
        samples.append(dict(img_id=img['id'], ori_shape=(h, w), pred_instances=dict(
            bboxes=torch.from_numpy(boxes), scores=torch.from_numpy(rng.uniform(0.05, 1, len(boxes))).float(),
            labels=torch.tensor(labels, dtype=torch.long))))
    return samples
