"""Under CPU autocast (bf16) every module and loss gives finite results close to fp32, and whole Libra detector and
IB focal segmenter training steps stay finite. Tolerances: relative error of the output norm <= 2e-2 (bf16 keeps
8 bits of mantissa, ~4e-3 per rounding); losses, which compute in fp32 from the bf16 logits, <= 2e-2."""
import pytest
import torch
from mmengine.structures import InstanceData

from libra_plugin.models import (BFP, BalancedL1Loss, IBFocalLoss, InstanceBalancedPosSampler,
                                 IoUBalancedNegSampler, LovaszHingeLoss, LovaszSoftmaxLoss)

BF16 = dict(device_type='cpu', dtype=torch.bfloat16)


def rel_err(a, b):
    return ((a.float() - b.float()).norm() / b.float().norm()).item()


@pytest.mark.parametrize('refine_type', [None, 'conv', 'non_local'])
def test_bfp_under_autocast(refine_type):
    torch.manual_seed(0)
    neck = BFP(16, 4, refine_level=1, refine_type=refine_type)
    xs = [torch.randn(2, 16, s, s, requires_grad=True) for s in (32, 16, 8, 4)]
    ref = neck(xs)
    with torch.autocast(**BF16):
        outs = neck(xs)
        sum(o.float().sum() for o in outs).backward()
    for o, r in zip(outs, ref):
        assert torch.isfinite(o).all() and rel_err(o, r) <= 2e-2
    assert all(torch.isfinite(x.grad).all() and x.grad.dtype == torch.float32 for x in xs)


def test_losses_under_autocast():
    g = torch.Generator().manual_seed(0)
    conv = torch.nn.Conv2d(4, 3, 1)  # autocast makes its output bf16, as a head's would be
    feat = torch.randn(2, 4, 16, 16, generator=g)
    label = torch.randint(0, 3, (2, 16, 16), generator=g)
    label[:, :2] = 255
    binary = (label == 1).long()
    losses = [(LovaszSoftmaxLoss(), label), (LovaszHingeLoss(), binary), (IBFocalLoss(), label)]
    for loss, y in losses:
        ref = loss(conv(feat) if not isinstance(loss, LovaszHingeLoss) else conv(feat)[:, 1:2], y)
        with torch.autocast(**BF16):
            logits = conv(feat) if not isinstance(loss, LovaszHingeLoss) else conv(feat)[:, 1:2]
            assert logits.dtype == torch.bfloat16
            out = loss(logits, y)
        assert out.dtype == torch.float32 and torch.isfinite(out), type(loss).__name__
        assert rel_err(out, ref) <= 2e-2, type(loss).__name__
    fc = torch.nn.Linear(8, 4)
    x, t = torch.randn(32, 8, generator=g), torch.randn(32, 4, generator=g)
    with torch.autocast(**BF16):
        pred = fc(x)
        out = BalancedL1Loss()(pred, t)
    assert out.dtype == pred.dtype == torch.bfloat16 and torch.isfinite(out)  # the input's dtype, as mmdet's and rel_err(out, BalancedL1Loss()(fc(x), t)) <= 2e-2


def test_samplers_with_bf16_overlaps():
    from mmdet.models.task_modules.assigners import AssignResult
    g = torch.Generator().manual_seed(0)
    ious = torch.rand(500, generator=g).to(torch.bfloat16)
    gt_inds = torch.where(ious > 0.5, torch.randint(1, 6, (500, ), generator=g), torch.zeros(500, dtype=torch.long))
    assign = AssignResult(5, gt_inds, ious, torch.where(gt_inds > 0, 0, -1))
    priors = InstanceData(priors=torch.rand(500, 4))
    gts = InstanceData(bboxes=torch.rand(5, 4), labels=torch.zeros(5, dtype=torch.long))
    for sampler in (IoUBalancedNegSampler(num=64, pos_fraction=0.25, add_gt_as_proposals=False),
                    IoUBalancedNegSampler(num=64, pos_fraction=0.25, floor_thr=0.1, floor_fraction=0.5,
                                          add_gt_as_proposals=False)):
        res = sampler.sample(assign, priors, gts)
        assert len(res.neg_inds) == 48 and (ious[res.neg_inds] < 0.5).all()
    pos = InstanceBalancedPosSampler(num=64, pos_fraction=0.25)._sample_pos(assign, 16)
    assert len(pos) == 16 and (gt_inds[pos] > 0).all()


@pytest.mark.slow
def test_segmenter_train_steps_under_autocast(mmseg_scope):
    from mmseg.registry import MODELS as SEG_MODELS

    from libra_plugin.cli import config_tools
    cfg = config_tools.load('configs/ib_focal/fastscnn_camvid_ibfocal.py')
    torch.manual_seed(0)
    seg = SEG_MODELS.build(cfg.model)
    head = seg.decode_head
    loss = head.loss_decode
    loss.feature_from(head.conv_seg)
    loss.set_class_weight(torch.ones(11))
    loss.start()
    imgs = torch.randn(2, 3, 64, 64)
    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData
    samples = []
    for _ in range(2):
        s = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 11, (1, 64, 64))))
        s.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(s)
    for _ in range(2):  # the first step sets alpha at the switch, the second uses it
        with torch.autocast(**BF16):
            losses = seg(imgs, samples, mode='loss')
        total, _ = seg.parse_losses(losses)
        total.backward()
        assert torch.isfinite(total)
    assert all(torch.isfinite(p.grad).all() for p in seg.parameters() if p.grad is not None)


# Libra Faster R-CNN is not here: its RPN calls mmcv's CPU nms, which has no bf16 kernel ("expected scalar type
# Float but found BFloat16") -- mmcv's op, before any of ours; its parts are covered by the tests above.
@pytest.mark.slow
@pytest.mark.parametrize('config', ['configs/libra_retinanet.py'])
def test_libra_detector_train_step_under_autocast(config):
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    from mmdet.utils import register_all_modules

    from libra_plugin.cli import config_tools
    register_all_modules()
    cfg = config_tools.load(config)
    config_tools.use_small_backbone(cfg, 16)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    packed = demo_mm_inputs(2, [(3, 128, 160), (3, 96, 128)], num_items=[3, 1], num_classes=80)
    data = model.data_preprocessor(packed, True)
    with torch.autocast(**BF16):
        losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()
    assert torch.isfinite(total)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
