"""The preflight's content checks: each problem that would train the wrong thing is one line naming the file, the
item and the fix (tools/train.py and tools/test.py run them before building the model)."""
import json
import re

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from libra_plugin.cli.preflight import check_data_files


def _coco(tmp_path, anns, categories=('bowl', 'car'), size=(64, 48), file_size=(64, 48)):
    (tmp_path / 'img').mkdir(exist_ok=True)
    Image.new('RGB', file_size).save(tmp_path / 'img' / 'a.jpg')
    data = dict(images=[dict(id=1, file_name='a.jpg', width=size[0], height=size[1])],
                annotations=[dict(dict(id=i + 1, image_id=1, category_id=1, iscrowd=0, area=100), **a)
                             for i, a in enumerate(anns)],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(categories)])
    (tmp_path / 'ann.json').write_text(json.dumps(data))
    return str(tmp_path / 'ann.json')


def _det_cfg(tmp_path, classes=('bowl', 'car'), num_classes=2, filter_cfg=None):
    dataset = dict(type='CocoDataset', data_root=str(tmp_path) + '/', ann_file='ann.json',
                   data_prefix=dict(img='img/'), filter_cfg=filter_cfg or dict(filter_empty_gt=True))
    if classes is not None:
        dataset['metainfo'] = dict(classes=classes)
    return Config(dict(default_scope='mmdet', train_dataloader=dict(dataset=dataset),
                       model=dict(type='FasterRCNN', rpn_head=dict(num_classes=1),
                                  roi_head=dict(bbox_head=dict(num_classes=num_classes)))))


def _problems(cfg):
    with pytest.raises(ValueError) as err:
        check_data_files(cfg)
    lines = str(err.value).splitlines()
    assert lines[0] == 'the data or config would train the wrong thing:'
    return lines[1:]


def test_clean_data_passes(tmp_path):
    _coco(tmp_path, [dict(bbox=[5, 5, 10, 10])])
    check_data_files(_det_cfg(tmp_path))


def test_boxes_non_finite_and_outside_the_image(tmp_path):  # ids: coco-box-non-finite, coco-box-outside
    path = _coco(tmp_path, [dict(bbox=[5, 5, float('nan'), 10]), dict(bbox=[70, 5, 10, 10]),
                            dict(bbox=[-20, 5, 10, 10]), dict(bbox=[60, 40, 10, 10])])
    lines = _problems(_det_cfg(tmp_path))
    assert lines == [
        f'{path}: annotation 1 of image 1 has a non-finite or malformed bbox [5, 5, nan, 10]: mmdet would drop it '
        'silently; fix or remove the annotation',
        f'{path}: annotation 2 of image 1: bbox [70, 5, 10, 10] (x, y, w, h) lies outside its 64x48 image: mmdet '
        'would drop it silently; check the coordinates (another image size?)',
        f'{path}: annotation 3 of image 1: bbox [-20, 5, 10, 10] (x, y, w, h) lies outside its 64x48 image: mmdet '
        'would drop it silently; check the coordinates (another image size?)']  # the 4th overlaps: kept


def test_image_size_in_the_json_differs_from_the_file(tmp_path):  # id: coco-image-size
    path = _coco(tmp_path, [dict(bbox=[5, 5, 10, 10])], file_size=(48, 64))
    assert _problems(_det_cfg(tmp_path)) == [
        f"{path}: image 1 ({tmp_path}/img/a.jpg) is 48x64 but the file says 64x48: its boxes would be scaled wrong; "
        'fix width/height']


def test_classes_in_another_order_or_unknown(tmp_path):  # ids: coco-classes-order, coco-classes-unknown
    path = _coco(tmp_path, [dict(bbox=[5, 5, 10, 10]), dict(bbox=[5, 5, 10, 10], category_id=2)])
    assert _problems(_det_cfg(tmp_path, classes=('car', 'bowl'))) == [
        f"{path}: mmdet numbers the classes in the order of the file's categories, ['bowl', 'car'], but "
        "metainfo.classes is ['car', 'bowl']: class 'car' would be trained on 'bowl' boxes; list metainfo.classes in "
        "the file's order"]
    assert _problems(_det_cfg(tmp_path, classes=('bowl', 'cars'))) == [
        f"{path}: metainfo.classes ['cars'] are not categories of this file (its categories: ['bowl', 'car']): fix "
        'the names']
    check_data_files(_det_cfg(tmp_path, classes=('car', ), num_classes=1))  # a subset in the file's order: fine


def test_unknown_category_and_empty_after_filtering(tmp_path):  # ids: coco-category-unknown, coco-filter-empty
    path = _coco(tmp_path, [dict(bbox=[5, 5, 10, 10], category_id=7)])
    assert _problems(_det_cfg(tmp_path)) == [
        f"{path}: annotation 1 of image 1 has category_id 7, which is not in the file's categories [1, 2]: fix the "
        'id or add the category']
    _coco(tmp_path, [dict(bbox=[5, 5, 10, 10])])
    lines = _problems(_det_cfg(tmp_path, filter_cfg=dict(filter_empty_gt=True, min_size=100)))
    assert lines == [f"{path}: no image is left after filter_cfg={{'filter_empty_gt': True, 'min_size': 100}}: 1 "
                     'images, 1 with annotations of the classes, none at least 100 px on both sides; lower '
                     'min_size']


def test_num_classes_differs_from_the_classes(tmp_path):  # id: num-classes
    _coco(tmp_path, [dict(bbox=[5, 5, 10, 10])])
    assert _problems(_det_cfg(tmp_path, num_classes=80)) == [
        "model.roi_head.bbox_head.num_classes=80 but the dataset has 2 classes ['bowl', 'car']: set num_classes=2"]


def _seg(tmp_path, label):
    for split in ('train', 'trainannot'):
        (tmp_path / split).mkdir(exist_ok=True)
    Image.new('RGB', (8, 6)).save(tmp_path / 'train' / 'a.png')
    Image.fromarray(label).save(tmp_path / 'trainannot' / 'a.png')
    dataset = dict(type='libra_plugin.CamVidDataset', data_root=str(tmp_path),
                   data_prefix=dict(img_path='train', seg_map_path='trainannot'))
    return Config(dict(default_scope='mmseg', train_dataloader=dict(dataset=dataset),
                       model=dict(type='EncoderDecoder', decode_head=dict(num_classes=11))))


def test_seg_label_maps_of_another_size_or_out_of_range(tmp_path):  # ids: seg-map-size, seg-map-values
    mixed = np.full((6, 8), 11, np.uint8)
    mixed[:2] = 3
    check_data_files(_seg(tmp_path, mixed))  # void (11) becomes ignore_index, the rest is a class
    lines = _problems(_seg(tmp_path, np.zeros((8, 6), np.uint8)))
    assert lines == [f'train_dataloader.dataset: label map {tmp_path}/trainannot/a.png is 6x8 but its image '
                     f'{tmp_path}/train/a.png is 8x6: (transposed?) fix the map']
    scaled = (np.arange(48).reshape(6, 8) % 11 * 256).astype(np.uint16)  # a 16-bit export scaled by 256
    lines = _problems(_seg(tmp_path, scaled))
    assert re.fullmatch(rf'train_dataloader.dataset: label map {tmp_path}/trainannot/a.png holds values '
                        r'\[256, 512, 768, 1024, 1280, 1536, 1792, 2048\] that are neither classes \(0-10\) nor '
                        r"ignore_index=255: \(a 16-bit or scaled export\?\) map them to class indices, or set the "
                        r"dataset's label_map", lines[0]), lines


def test_repeated_image_ids(tmp_path):  # id: coco-image-id-repeated
    path = _coco(tmp_path, [dict(bbox=[5, 5, 10, 10])])
    data = json.loads((tmp_path / 'ann.json').read_text())
    data['images'].append(dict(data['images'][0], file_name='b.jpg'))  # a second image with id 1
    Image.new('RGB', (64, 48)).save(tmp_path / 'img' / 'b.jpg')
    (tmp_path / 'ann.json').write_text(json.dumps(data))
    assert _problems(_det_cfg(tmp_path)) == [
        f"{path}: image ids [1] are used by more than one image: mmdet keeps one of each and trains the others' "
        'boxes on it; give every image its own id']


def test_no_classes_in_the_config_and_default_classes(tmp_path):  # id: coco-default-classes
    # mmdet names label i by CocoDataset's i-th class ('person', 'bicycle', ...) but
    # numbers the file's categories found among those names in the file's order: bowl -> 0 ('person')
    path = _coco(tmp_path, [dict(bbox=[5, 5, 10, 10])])
    data = json.loads((tmp_path / 'ann.json').read_text())
    data['categories'][1]['id'] = 5  # non-contiguous ids
    (tmp_path / 'ann.json').write_text(json.dumps(data))
    lines = _problems(_det_cfg(tmp_path, classes=None, num_classes=80))
    assert lines == [
        f"{path}: the config gives no metainfo.classes, so mmdet names its labels by the dataset type's classes "
        "['person', 'bicycle', 'car', 'motorcycle']... but numbers this file's categories ['bowl', 'car']... in the "
        "file's order: label 0 would be called 'person' and trained on 'bowl' boxes; set metainfo=dict(classes=...) "
        "to this file's category names in its order"]


def test_seg_label_maps_with_channels_or_all_ignored(tmp_path):  # ids: seg-map-channels, seg-all-ignored
    lines = _problems(_seg(tmp_path, np.full((6, 8, 3), 3, np.uint8)))  # an RGB export of the classes
    assert lines == [f'train_dataloader.dataset: label map {tmp_path}/trainannot/a.png has 3 channels: a label '
                     "map is one channel of class indices (mmseg cannot batch it; a colour export? map its colours "
                     'to class indices)']
    lines = _problems(_seg(tmp_path, np.full((6, 8), 11, np.uint8)))  # void everywhere
    assert lines == ['train_dataloader.dataset: every pixel of the 1 label maps checked is ignore_index=255: the '
                     'loss would be 0 and the accuracy 100 % with nothing learnt; check the label values (another '
                     'ignore_index? reduce_zero_label on maps whose classes start at 0?)']


def _edit(path, fn):
    with open(path) as f:
        data = json.load(f)
    fn(data)
    with open(path, 'w') as f:
        json.dump(data, f)


@pytest.mark.parametrize('edit,message', [
    (lambda d: d['annotations'][0].update(iscrowd='0'),  # id: coco-iscrowd-string
     "annotation 1 of image 1 has iscrowd='0': it must be the integer 0 or 1 (mmdet takes any truthy value, \"0\" "
     'included, as a crowd and ignores the box)'),
    (lambda d: d['annotations'][0].update(image_id=7),  # id: coco-orphan-annotations
     '1 annotations name an image_id that is no image of the file (by category id: {1: 1}): mmdet drops them '
     'silently; fix their image_id or add the images'),
    (lambda d: d['annotations'][0].pop('bbox'),  # id: coco-no-bbox
     'annotation 1 of image 1 has no bbox: a detection annotation needs bbox = [x, y, w, h]'),
    (lambda d: d['annotations'][0].update(id='a1'),  # id: coco-string-ann-id
     "annotation 'a1' of image 1: its id 'a1' is a str; annotation ids must be integers (pycocotools fails on "
     'others at the first evaluation)'),
    (lambda d: d['images'][0].pop('width'),  # id: coco-image-no-width
     "image 1 has no ['width']: a COCO image needs id, file_name, width and height"),
    (lambda d: d['annotations'][0].update(category_id='1'),  # id: coco-category-id-type
     "annotation 1 of image 1: category_id '1' is a str; it must be the integer id of a category"),
    (lambda d: d['categories'][1].update(name='bowl'),  # id: coco-repeated-category-name
     "category names ['bowl'] are given to more than one category id: mmdet finds classes by name, so their boxes "
     'would share one label; give every category its own name'),
])
def test_coco_fields_and_types(tmp_path, edit, message):
    path = _coco(tmp_path, [dict(bbox=[2, 2, 20, 20])])
    _edit(path, edit)
    problems = _problems(_det_cfg(tmp_path, classes=None if 'category names' in message else ('bowl', 'car')))
    assert any(line.endswith(message) for line in problems), problems


def test_an_evaluated_split_without_annotations(tmp_path):  # id: coco-val-no-annotations
    path = _coco(tmp_path, [dict(bbox=[2, 2, 20, 20])])
    cfg = _det_cfg(tmp_path)
    cfg.val_dataloader = dict(dataset=dict(cfg.train_dataloader.dataset, ann_file='val.json'))
    with open(path) as f:
        data = json.load(f)
    (tmp_path / 'val.json').write_text(json.dumps(dict(data, annotations=[])))
    assert _problems(cfg) == [f'{tmp_path}/val.json has no annotations: the evaluation would report AP -1 for every '
                              'metric; give the evaluated split its ground truth']
