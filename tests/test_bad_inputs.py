"""The bad-input catalogue (docs/bad_inputs.md): each entry is a test of what the plugin does with that input.

Behaviours: a clear error naming the parameter or file and what is allowed, or correct handling (stated).
"""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmengine.config import Config
from mmengine.structures import InstanceData

import libra_plugin  # noqa: F401
from libra_plugin.datasets.class_counts import inverse_frequency_weights
from libra_plugin.models import BFP, BalancedL1Loss, IBFocalLoss, IoUBalancedNegSampler, LovaszHingeLoss, LovaszSoftmaxLoss
from libra_plugin.cli.launch import setup_cpu_distributed
from libra_plugin.cli.preflight import check_data_files

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOC = osp.join(REPO, 'docs', 'bad_inputs.md')


def feats(channels=(8, 8, 8), sizes=(16, 8, 4), batch=2):
    return [torch.randn(batch, c, s, s) for c, s in zip(channels, sizes)]


def raises(exc, message, fn, *args, **kwargs):
    with pytest.raises(exc) as err:
        fn(*args, **kwargs)
    assert str(err.value).strip('"') == message, str(err.value)


# ---- configs ---------------------------------------------------------------------------------------------------
CONFIG_ERRORS = {  # the modules' own argument errors are asserted by their tests (marked # id:)
    'launcher-mpi-cpu': (ValueError, "launcher='mpi' needs CUDA; on CPU use 'pytorch' (tools/dist_train.sh) or 'slurm'",
                         lambda: setup_cpu_distributed(Config(dict(launcher='mpi')))),
}


@pytest.mark.parametrize('case', sorted(CONFIG_ERRORS))
def test_config_errors(case):
    exc, message, fn = CONFIG_ERRORS[case]
    raises(exc, message, fn)


def test_type_name_typo_lists_registered_names():  # id: type-typo
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    with pytest.raises(KeyError) as err:
        MODELS.build(dict(type='libra_plugin.BalancedL1Los'))
    assert "'BalancedL1Los' is not a libra_plugin model; did you mean ['BalancedL1Loss'" in str(err.value)
    assert "Registered: ['BFP', 'BalancedL1Loss', 'GaussianL1Loss', 'IBFocalLoss'" in str(err.value)


# ---- data ------------------------------------------------------------------------------------------------------
@pytest.fixture
def bad_coco(tmp_path):
    """Images: 1 with a zero-area, an out-of-image and a good box; 2 missing; 3 corrupt; 4 crowd only; 5 no box."""
    (tmp_path / 'img').mkdir()
    cv2.imwrite(str(tmp_path / 'img' / 'ok.jpg'), np.full((64, 64, 3), 127, np.uint8))
    (tmp_path / 'img' / 'corrupt.jpg').write_bytes(b'not a jpeg')
    box = dict(category_id=1, bbox=[5, 5, 20, 20], area=400, iscrowd=0)
    anns = [dict(box, image_id=1, bbox=[10, 10, 0, 5], area=0), dict(box, image_id=1, bbox=[80, 80, 10, 10]),
            dict(box, image_id=1), dict(box, image_id=2), dict(box, image_id=3), dict(box, image_id=4, iscrowd=1)]
    files = ['ok.jpg', 'missing.jpg', 'corrupt.jpg', 'ok.jpg', 'ok.jpg']
    coco = dict(images=[dict(id=i + 1, file_name=f, width=64, height=64) for i, f in enumerate(files)],
                annotations=[dict(a, id=i + 1) for i, a in enumerate(anns)], categories=[dict(id=1, name='thing')])
    (tmp_path / 'ann.json').write_text(json.dumps(coco))
    from mmdet.datasets import CocoDataset
    from mmdet.utils import register_all_modules
    register_all_modules()
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                dict(type='PackDetInputs')]
    ds = CocoDataset(data_root=str(tmp_path) + '/', ann_file='ann.json', data_prefix=dict(img='img/'),
                     pipeline=pipeline, metainfo=dict(classes=('thing', )), serialize_data=False,
                     filter_cfg=dict(filter_empty_gt=True))
    return {d['img_id']: i for i, d in enumerate(ds.data_list)}, ds, tmp_path


def test_zero_area_and_out_of_image_boxes_are_dropped(bad_coco):  # id: boxes-degenerate
    index, ds, _ = bad_coco
    assert ds[index[1]]['data_samples'].gt_instances.bboxes.tensor.tolist() == [[5, 5, 25, 25]]


def test_crowd_only_and_boxless_images_train(bad_coco):  # ids: crowd-only, no-boxes
    index, ds, _ = bad_coco
    crowd = ds[index[4]]['data_samples']
    assert len(crowd.gt_instances) == 0 and len(crowd.ignored_instances) == 1
    assert 5 not in index  # an image without annotations is left out of training (filter_empty_gt)
    # a batch of such images (no ground truth) through the Libra detector: finite losses, gradients flow
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    from libra_plugin.cli import config_tools
    cfg = config_tools.load(osp.join(REPO, 'configs', 'libra_faster_rcnn.py'))
    config_tools.use_small_backbone(cfg, 16)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(demo_mm_inputs(2, [(3, 96, 128)] * 2, num_items=[0, 0]), True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()
    assert torch.isfinite(total)


def test_missing_and_corrupt_image_name_the_file(bad_coco):  # ids: image-missing, image-corrupt
    index, ds, tmp = bad_coco
    with pytest.raises(FileNotFoundError, match=f"No such file or directory: '{tmp}/img/missing.jpg'"):
        ds[index[2]]
    with pytest.raises(AssertionError, match=f'failed to load image: {tmp}/img/corrupt.jpg'):
        ds[index[3]]


@pytest.mark.parametrize('content, message', [
    ('[1, 2]', 'is not a COCO annotation file: a JSON object with lists '
               "['images', 'annotations', 'categories'] is needed, got a JSON list"),
    ('{"images": []}', "is not a COCO annotation file: lists ['annotations', 'categories'] are missing "
                       "(keys found: ['images'])"),
    ('label,x,y', 'is not a COCO annotation file (not JSON: Expecting value: line 1 column 1 (char 0))')],
    ids=['list', 'keys', 'csv'])
def test_not_coco_annotation_file(tmp_path, content, message):  # id: ann-not-coco
    (tmp_path / 'ann.json').write_text(content)
    cfg = Config(dict(train_dataloader=dict(dataset=dict(type='CocoDataset', data_root=str(tmp_path) + '/',
                                                         ann_file='ann.json'))))
    raises(ValueError, f'train_dataloader.dataset.ann_file: {tmp_path}/ann.json {message}', check_data_files, cfg)
    cfg.train_dataloader.dataset.ann_file = 'nope.json'
    raises(FileNotFoundError, f'train_dataloader.dataset.ann_file: annotation file {tmp_path}/nope.json does not '
           'exist', check_data_files, cfg)


@pytest.mark.parametrize('loss', [LovaszHingeLoss(), LovaszSoftmaxLoss(), IBFocalLoss()],
                         ids=['hinge', 'softmax', 'ib_focal'])
def test_all_void_labels_give_zero_loss_and_gradient(loss):  # id: labels-all-void
    x = torch.randn(2, 1 if isinstance(loss, LovaszHingeLoss) else 3, 4, 4, requires_grad=True)
    out = loss(x, torch.full((2, 4, 4), 255))
    out.backward()
    assert out.item() == 0 and torch.equal(x.grad, torch.zeros_like(x))


def test_class_absent_from_training_set_gets_weight_zero():  # id: class-absent
    w = inverse_frequency_weights(np.array([100, 0, 300]))
    assert w[1] == 0 and np.isfinite(w).all() and w[0] == pytest.approx(3 * w[2])


# ---- tensors ---------------------------------------------------------------------------------------------------
NAN_MSG = '{}: {} contains NaN or Inf (a diverged model or corrupt input); lower the learning rate or clip gradients ' \
          '(optim_wrapper.clip_grad)'


@pytest.mark.parametrize('bad', [float('nan'), float('inf')], ids=['nan', 'inf'])
def test_non_finite_logits_and_boxes(bad):  # ids: logits-nan-inf, boxes-nan-inf
    logits = torch.randn(1, 3, 4, 4)
    logits[0, 1, 2, 2] = bad
    label = torch.zeros(1, 4, 4, dtype=torch.long)
    for loss in (IBFocalLoss(), LovaszSoftmaxLoss()):
        raises(ValueError, NAN_MSG.format(type(loss).__name__, 'cls_score'), loss, logits, label)
    raises(ValueError, NAN_MSG.format('LovaszHingeLoss', 'cls_score'), LovaszHingeLoss(), logits[:, 1:2], label)
    boxes = torch.zeros(2, 4)
    boxes[1, 3] = bad
    raises(ValueError, NAN_MSG.format('BalancedL1Loss', 'pred'), BalancedL1Loss(), boxes, torch.zeros(2, 4))
    raises(ValueError, NAN_MSG.format('BalancedL1Loss', 'target'), BalancedL1Loss(), torch.zeros(2, 4), boxes)


def test_mismatched_seg_shapes():  # id: shapes-mismatch
    """The segmentation losses' message (the box losses': test_balanced_l1_loss.py)."""
    raises(ValueError, 'cls_score must be (B, C, H, W) matching label (B, H, W) (1, 4, 4), got (1, 3, 8, 8)',
           IBFocalLoss(), torch.zeros(1, 3, 8, 8), torch.zeros(1, 4, 4, dtype=torch.long))


def test_wrong_dtypes():  # id: dtypes
    raises(TypeError, 'BalancedL1Loss: pred must be a floating point tensor, got torch.int64', BalancedL1Loss(),
           torch.ones(2, 4, dtype=torch.long), torch.zeros(2, 4))
    raises(TypeError, 'IBFocalLoss: label must be an integer tensor of class indices, got torch.float32',
           IBFocalLoss(), torch.zeros(1, 3, 4, 4), torch.zeros(1, 4, 4))


def test_empty_batches():  # id: empty-batch
    for loss, x, y in ((BalancedL1Loss(), torch.zeros(0, 4), torch.zeros(0, 4)),
                       (LovaszHingeLoss(), torch.zeros(0, 1, 4, 4), torch.zeros(0, 4, 4, dtype=torch.long)),
                       (LovaszSoftmaxLoss(), torch.zeros(0, 3, 4, 4), torch.zeros(0, 4, 4, dtype=torch.long)),
                       (IBFocalLoss(), torch.zeros(0, 3, 4, 4), torch.zeros(0, 4, 4, dtype=torch.long))):
        x.requires_grad_()
        out = loss(x, y)
        out.backward()
        assert out.item() == 0, type(loss).__name__
    assert [o.shape[0] for o in BFP(8, 3, refine_level=1, refine_type='non_local')(feats(batch=0))] == [0, 0, 0]
    sampler = IoUBalancedNegSampler(num=8, pos_fraction=0.25)  # no ground truth: every proposal is a negative
    assign = AssignResult(0, torch.zeros(20, dtype=torch.long), torch.zeros(20), torch.full((20, ), -1))
    result = sampler.sample(assign, InstanceData(priors=torch.rand(20, 4) * 10),
                            InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long)))
    assert len(result.pos_inds) == 0 and len(result.neg_inds) == 8


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16], ids=['fp16', 'bf16'])
def test_half_precision_inputs_computed_in_fp32(dtype):  # id: half-inputs
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 4, generator=g), torch.randn(16, 4, generator=g)
    out = BalancedL1Loss()(x.to(dtype), y.to(dtype))
    assert out.dtype == dtype and out == BalancedL1Loss()(x.to(dtype).float(), y.to(dtype).float()).to(dtype)
    logits, label = torch.randn(2, 3, 8, 8, generator=g), torch.randint(0, 3, (2, 8, 8), generator=g)
    for loss in (LovaszSoftmaxLoss(), IBFocalLoss()):
        half = loss(logits.to(dtype), label)
        assert torch.isfinite(half) and half.item() == pytest.approx(loss(logits.to(dtype).float(), label).item(),
                                                                     rel=1e-3)


def test_every_catalogue_row_has_a_test_and_every_test_a_row():
    """Rows of docs/bad_inputs.md and tests marked ``# id: <row>`` (or ``# ids: a, b``) anywhere in tests/."""
    import glob
    import re
    with open(DOC) as f:
        rows = re.findall(r'^\| `([a-z0-9-]+)` \|', f.read(), flags=re.M)
    assert len(rows) == len(set(rows)), 'a row id is repeated'
    tested = set(CONFIG_ERRORS)
    for path in glob.glob(osp.join(REPO, 'tests', '**', '*.py'), recursive=True):
        with open(path) as f:
            for ids in re.findall(r'# ids?: ([a-z0-9, -]+)$', f.read(), flags=re.M):
                tested |= {i.strip() for i in ids.split(',')}
    assert sorted(set(rows) - tested) == [], 'rows without a test'
    assert sorted(tested - set(rows)) == [], 'tests without a row'
