"""Content checks of a run's data before it starts: each problem that would train the wrong thing silently (or fail
deep inside torch) is reported with the file, the item and the fix. Called by :func:`preflight.check_data_files`.

COCO detection files (read as JSON): non-finite boxes (mmdet drops them and trains on with no box loss), boxes
with no overlap with their image, image sizes in the JSON that disagree with the files (checked on up to
``MAX_FILES`` images), ``metainfo.classes`` that are not categories of the file or are listed in another order
than the file's (mmdet numbers the classes in the file's order: a config ``('car', 'bowl')`` on a file listing
bowl first trains bowls as "car"), annotations of unknown categories, and a training set that ``filter_cfg``
empties. Segmentation datasets: label maps whose size differs from their image, or whose values are neither
classes nor ``ignore_index`` after the dataset's label map (up to ``MAX_FILES`` maps).
"""
import math
from collections import Counter
from typing import List, Optional, Sequence

import numpy as np

MAX_FILES = 200  # images / label maps opened per dataset (evenly spaced beyond that: problems of an export are
#                  systematic, a sample finds them)


def _spread(n: int, limit: int = MAX_FILES) -> List[int]:
    return list(range(n)) if n <= limit else [round(i * (n - 1) / (limit - 1)) for i in range(limit)]


def _oriented_size(path: str) -> tuple:
    """(width, height) as mmcv loads the file: cv2 applies the EXIF orientation (5-8 swap the sides)."""
    from PIL import Image
    with Image.open(path) as img:
        w, h = img.size
        orientation = img.getexif().get(274, 1)
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def coco_structure_problems(data: dict, path: str, evaluated: bool = False) -> List[str]:
    """The fields mmdet and pycocotools rely on, with their types: images with ``id``, ``file_name``, ``width`` and
    ``height``; annotations with an integer ``id``, an integer ``category_id``, a ``bbox``, ``iscrowd`` 0 or 1 (mmdet
    treats any truthy value, the string ``"0"`` included, as a crowd: every such box ignored) and an ``image_id``
    that is an image of the file (mmdet drops the others silently); category names used once; an ``evaluated``
    split with at least one annotation (COCO reports AP -1 for none)."""
    problems = []
    for img in data['images']:
        missing = [k for k in ('id', 'file_name', 'width', 'height') if k not in img]
        if missing:
            problems.append(f"{path}: image {img.get('id', img.get('file_name'))} has no {missing}: a COCO image "
                            'needs id, file_name, width and height')
    names = Counter(cat.get('name') for cat in data['categories'])
    repeated = [n for n, k in names.items() if k > 1]
    if repeated:
        problems.append(f'{path}: category names {repeated} are given to more than one category id: mmdet finds '
                        'classes by name, so their boxes would share one label; give every category its own name')
    images = {img.get('id') for img in data['images']}
    orphans = Counter()
    for ann in data['annotations']:
        where = f"{path}: annotation {ann.get('id')!r} of image {ann.get('image_id')!r}"
        if not (isinstance(ann.get('id'), int) and not isinstance(ann.get('id'), bool)):
            problems.append(f"{where}: its id {ann.get('id')!r} is a {type(ann.get('id')).__name__}; annotation ids "
                            'must be integers (pycocotools fails on others at the first evaluation)')
        cat = ann.get('category_id')
        if not (isinstance(cat, int) and not isinstance(cat, bool)):
            problems.append(f'{where}: category_id {cat!r} is a {type(cat).__name__}; it must be the integer id of '
                            'a category')
        if 'bbox' not in ann:
            problems.append(f'{where} has no bbox: a detection annotation needs bbox = [x, y, w, h]')
        crowd = ann.get('iscrowd', 0)
        if crowd not in (0, 1) or isinstance(crowd, (bool, str)):
            problems.append(f'{where} has iscrowd={crowd!r}: it must be the integer 0 or 1 (mmdet takes any truthy '
                            'value, "0" included, as a crowd and ignores the box)')
        if ann.get('image_id') not in images:
            orphans[ann.get('category_id')] += 1
        if len(problems) > 20:
            return problems + ['... (more of the same)']
    if orphans:
        problems.append(f'{path}: {sum(orphans.values())} annotations name an image_id that is no image of the file '
                        f'(by category id: {dict(orphans)}): mmdet drops them silently; fix their image_id or add '
                        'the images')
    if evaluated and not data['annotations']:
        problems.append(f'{path} has no annotations: the evaluation would report AP -1 for every metric; give the '
                        'evaluated split its ground truth')
    return problems


def coco_problems(data: dict, path: str, classes: Optional[Sequence[str]], img_dir: Optional[str],
                  filter_cfg: Optional[dict] = None, default_classes: Optional[Sequence[str]] = None,
                  evaluated: bool = False) -> List[str]:
    """Problems of the COCO dict ``data`` read from ``path`` (see the module doc and
    :func:`coco_structure_problems`); images under ``img_dir``. ``default_classes``: the dataset type's classes,
    which mmdet uses when the config gives no ``metainfo.classes``."""
    import os.path as osp
    problems = coco_structure_problems(data, path, evaluated)
    if problems:
        return problems  # the checks below read these fields
    repeated = sorted(i for i, n in Counter(img.get('id') for img in data['images']).items() if n > 1)
    if repeated:
        problems.append(f'{path}: image ids {repeated[:8]} are used by more than one image: mmdet keeps one of each '
                        'and trains the others\' boxes on it; give every image its own id')
    images = {img['id']: img for img in data['images']}
    names = {cat['id']: cat['name'] for cat in data['categories']}
    for ann in data['annotations']:
        where = f"{path}: annotation {ann.get('id')} of image {ann.get('image_id')}"
        box, img = ann.get('bbox'), images.get(ann.get('image_id'))
        if ann.get('category_id') not in names:
            problems.append(f"{where} has category_id {ann.get('category_id')}, which is not in the file's "
                            f'categories {sorted(names)}: fix the id or add the category')
        if box is None:
            continue
        if len(box) != 4 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in box):
            problems.append(f'{where} has a non-finite or malformed bbox {box}: mmdet would drop it silently; fix '
                            'or remove the annotation')
        elif img is not None and (box[0] >= img['width'] or box[1] >= img['height'] or box[0] + box[2] <= 0
                                  or box[1] + box[3] <= 0):
            problems.append(f"{where}: bbox {box} (x, y, w, h) lies outside its {img['width']}x{img['height']} "
                            'image: mmdet would drop it silently; check the coordinates (another image size?)')
    if classes is None and default_classes is not None:
        order = list(names.values())
        numbered = [c for c in order if c in default_classes]
        dropped = [c for c in order if c not in default_classes]
        if numbered != list(default_classes)[:len(numbered)] or dropped:
            problems.append(f"{path}: the config gives no metainfo.classes, so mmdet names its labels by the dataset "
                            f"type's classes {list(default_classes)[:4]}... but numbers this file's categories "
                            f'{numbered[:4]}... in the file\'s order' + (f' and drops {dropped[:4]}' if dropped else '')
                            + f": label 0 would be called {list(default_classes)[0]!r} and trained on "
                            f"{(numbered or ['no'])[0]!r} boxes; set metainfo=dict(classes=...) to this file's "
                            'category names in its order')
    if classes is not None:
        order = list(names.values())  # the file's category order
        unknown = [c for c in classes if c not in order]
        numbered = [c for c in order if c in classes]  # mmdet's label order
        if unknown:
            problems.append(f'{path}: metainfo.classes {unknown} are not categories of this file (its categories: '
                            f'{order}): fix the names')
        elif numbered != list(classes):
            problems.append(f'{path}: mmdet numbers the classes in the order of the file\'s categories, {numbered}, '
                            f'but metainfo.classes is {list(classes)}: class {classes[0]!r} would be trained on '
                            f'{numbered[0]!r} boxes; list metainfo.classes in the file\'s order')
    if img_dir is not None:
        ids = list(images)
        for i in _spread(len(ids)):
            img = images[ids[i]]
            file = osp.join(img_dir, img['file_name'])
            if not osp.isfile(file):
                continue  # reported by the loader, naming the file
            size = _oriented_size(file)
            if size != (img['width'], img['height']):
                problems.append(f"{path}: image {img['id']} ({file}) is {size[0]}x{size[1]} but the file says "
                                f"{img['width']}x{img['height']}: its boxes would be scaled wrong; fix width/height")
    if filter_cfg and filter_cfg.get('filter_empty_gt', False) and not problems:
        keep = {names[i] for i in names if classes is None or names[i] in classes}
        with_ann = {a['image_id'] for a in data['annotations'] if names.get(a.get('category_id')) in keep}
        min_size = filter_cfg.get('min_size', 0)
        left = [i for i in with_ann if i in images and min(images[i]['width'], images[i]['height']) >= min_size]
        if not left:
            why = (f'none at least {min_size} px on both sides; lower min_size' if with_ann else
                   'check metainfo.classes and the category ids')
            problems.append(f'{path}: no image is left after filter_cfg={dict(filter_cfg)}: {len(images)} images, '
                            f'{len(with_ann)} with annotations of the classes, {why}')
    return problems


def seg_problems(dataset, where: str, training: bool = False) -> List[str]:
    """Label maps of an mmseg dataset (built, not yet through its pipeline) that differ in size from their image,
    have more than one channel, or hold values that are neither classes nor ``ignore_index`` after its
    ``label_map`` / ``reduce_zero_label``; for the ``training`` set also one whose every (checked) label pixel is
    ``ignore_index`` (a loss of 0 and an accuracy of 100 %, silently)."""
    from PIL import Image
    problems = []
    num_classes = len(dataset.metainfo['classes'])
    ignore = getattr(dataset, 'ignore_index', 255)
    checked, labelled = 0, 0
    for i in _spread(len(dataset)):
        info = dataset.get_data_info(i)
        with Image.open(info['seg_map_path']) as seg:
            size = seg.size
            channels = len(seg.getbands())
            if seg.mode in ('L', 'P'):  # 8-bit maps: the values from the histogram, no sort
                values = np.flatnonzero(np.asarray(seg.histogram()[:256]))
            else:
                values = np.unique(np.asarray(seg))
        if channels != 1:
            problems.append(f"{where}: label map {info['seg_map_path']} has {channels} channels: a label map is one "
                            'channel of class indices (mmseg cannot batch it; a colour export? map its colours to '
                            'class indices)')
            continue
        img_size = _oriented_size(info['img_path'])
        if size != img_size:
            problems.append(f"{where}: label map {info['seg_map_path']} is {size[0]}x{size[1]} but its image "
                            f"{info['img_path']} is {img_size[0]}x{img_size[1]}: (transposed?) fix the map")
            continue
        if info.get('reduce_zero_label'):
            values = np.array([255 if v == 0 else v - 1 for v in values])
        label_map = info.get('label_map') or {}
        values = np.array([label_map.get(int(v), int(v)) for v in values])
        bad = [int(v) for v in values if not (0 <= v < num_classes or v == ignore)]
        checked += 1
        labelled += any(0 <= v < num_classes for v in values)
        if bad:
            problems.append(f"{where}: label map {info['seg_map_path']} holds values {bad[:8]} that are neither "
                            f'classes (0-{num_classes - 1}) nor ignore_index={ignore}: (a 16-bit or scaled export?) '
                            'map them to class indices, or set the dataset\'s label_map')
    if training and checked and not labelled and not problems:
        problems.append(f'{where}: every pixel of the {checked} label maps checked is ignore_index={ignore}: the loss '
                        'would be 0 and the accuracy 100 % with nothing learnt; check the label values (another '
                        'ignore_index? reduce_zero_label on maps whose classes start at 0?)')
    return problems


def num_classes_problems(model: dict, classes: Sequence[str]) -> List[str]:
    """Heads whose ``num_classes`` differs from the dataset's number of classes (an IndexError deep in torch, or a
    silently wrong head). The RPN's one objectness class is not a dataset class."""
    problems = []

    def visit(node, key):
        if isinstance(node, dict):
            if 'num_classes' in node and key != 'rpn_head' and node['num_classes'] != len(classes):
                problems.append(f"model.{key}.num_classes={node['num_classes']} but the dataset has "
                                f'{len(classes)} classes {list(classes)}: set num_classes={len(classes)}')
            for k, v in node.items():
                visit(v, f'{key}.{k}' if key else k)
        elif isinstance(node, (list, tuple)):
            for j, v in enumerate(node):
                visit(v, f'{key}.{j}')

    if model.get('type') not in ('PiCIE', 'libra_plugin.PiCIE'):  # clusters, not dataset classes
        visit(model, '')
    return problems
