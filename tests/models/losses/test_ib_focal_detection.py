"""IBFocalLoss in mmdet's classification heads: the softmax form against the IB authors' formula, the sigmoid form by
hand, the warm-up equal to mmdet's CE / focal loss, and the features IBLossHook feeds from real heads."""
import logging
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from libra_plugin.engine import IBLossHook
from libra_plugin.functional.ib_focal import ib_sigmoid_focal
from libra_plugin.models import IBFocalLoss


def _ib_reference(logits, target, features, alpha, gamma, weight, eps=1e-3):
    """pseulki/IB-Loss (losses.py): IBFocalLoss.forward with ib_focal_loss, as the authors wrote it."""
    grads = torch.sum(torch.abs(F.softmax(logits, dim=1) - F.one_hot(target, logits.shape[1])), 1)
    ib = alpha / (grads * torch.sum(torch.abs(features), 1).reshape(-1) + eps)
    values = F.cross_entropy(logits, target, reduction='none', weight=weight)
    p = torch.exp(-values)
    return ((1 - p) ** gamma * values * ib).mean()


def _started(**kwargs):
    loss = IBFocalLoss(**kwargs)
    loss.start()
    return loss


def test_softmax_form_equals_the_authors_formula_values_and_gradients():
    torch.manual_seed(0)
    logits = torch.randn(12, 5, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 5, (12, ))
    features = torch.randn(12, 16, dtype=torch.float64, requires_grad=True)
    weight = torch.tensor([0.5, 1.0, 2.0, 1.5, 1.0], dtype=torch.float64)
    loss = _started(alpha=1000.0, gamma=1.0, class_weight=weight.tolist())
    loss.set_feature(features)
    ours = loss(logits, target)
    ref = _ib_reference(logits, target, features, 1000.0, 1.0, weight)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(torch.autograd.grad(ours, (logits, features)),
                               torch.autograd.grad(_ib_reference(logits, target, features, 1000.0, 1.0, weight),
                                                   (logits, features)))

    def fn(x, h):
        loss.set_feature(h)
        return loss(x, target)
    assert torch.autograd.gradcheck(fn, (logits, features))


def test_sigmoid_form_by_hand():
    # one anchor, 2 classes, label 0, logits 0: sigmoid 0.5 each; p_t 0.5; balance (0.25, 0.75); (p_t)^2 = 0.25;
    # BCE log 2 each: focal sum = (0.25 + 0.75) * 0.25 * log 2 = 0.17329; influence (0.5 + 0.5) * ||h||_1 = 1 * 2
    loss = _started(alpha=1.0, use_sigmoid=True, gamma=2.0, focal_alpha=0.25, eps=1e-3)
    loss.set_feature(torch.tensor([[1.0, -1.0]]))
    value = loss(torch.zeros(1, 2), torch.tensor([0]))
    assert float(value) == pytest.approx(0.25 * 0.6931472 / 2.001, rel=1e-6)


def test_warm_up_equals_mmdets_cross_entropy_and_focal_loss(mmdet_scope):
    from mmdet.models.losses import CrossEntropyLoss, FocalLoss
    torch.manual_seed(1)
    logits, labels = torch.randn(20, 8), torch.randint(0, 8, (20, ))  # 7 classes + background (index 7)
    weights = torch.rand(20)
    ce = CrossEntropyLoss()(logits, labels, weights, avg_factor=13.0)
    assert torch.equal(IBFocalLoss()(logits, labels, weights, avg_factor=13.0), ce)
    dense = torch.randn(30, 7)
    anchor_labels = torch.randint(0, 8, (30, ))  # 7 = background anchors
    focal = FocalLoss(use_sigmoid=True, gamma=2.0, alpha=0.25)(dense, anchor_labels, weights.repeat(2)[:30],
                                                                avg_factor=9.0)
    ours = IBFocalLoss(use_sigmoid=True, gamma=2.0, focal_alpha=0.25)(dense, anchor_labels, weights.repeat(2)[:30],
                                                                      avg_factor=9.0)
    torch.testing.assert_close(ours, focal)


def test_auto_alpha_keeps_the_size_of_the_loss_and_waits_for_a_labelled_batch():  # id: ib-auto-alpha-empty
    loss = _started(alpha='auto', class_weight=None)
    loss.set_feature(torch.ones(4, 3))
    nothing = loss(torch.randn(4, 3), torch.tensor([2, 2, 2, 2]), torch.zeros(4))  # every sample weighted 0
    assert float(nothing) == 0 and float(loss.alpha) == 0  # not set from a batch without a labelled sample
    logits, labels = torch.randn(4, 3), torch.tensor([0, 1, 2, 0])
    loss.set_feature(torch.ones(4, 3))
    first = loss(logits, labels)
    assert float(loss.alpha) > 0
    torch.testing.assert_close(first, F.cross_entropy(logits, labels))  # the IB loss starts at the CE's size


@pytest.fixture
def mmdet_scope():
    from mmdet.utils import register_all_modules
    from mmengine.registry import DefaultScope
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


class Boxes:
    """The part of an mmdet dataset that box counting reads."""

    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, i):
        return dict(instances=[dict(bbox_label=lab, ignore_flag=0) for lab in self.labels[i]])


def _runner(model, dataset, name):
    from mmengine.runner import IterBasedTrainLoop
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset), iter=0, epoch=0,
                           message_hub=MessageHub.get_instance(name), logger=logging.getLogger(name),
                           train_loop=object.__new__(IterBasedTrainLoop), max_iters=100, max_epochs=1)


def test_hook_feeds_a_bbox_head_its_fc_cls_input_and_box_counts(mmdet_scope):
    from mmdet.models.roi_heads.bbox_heads import Shared2FCBBoxHead
    torch.manual_seed(0)
    head = Shared2FCBBoxHead(in_channels=4, fc_out_channels=8, roi_feat_size=2, num_classes=3,
                             loss_cls=dict(type='libra_plugin.IBFocalLoss', alpha=1.0, class_weight='auto'))
    hook = IBLossHook(switch='iter', at=1)
    hook.before_train(_runner(head, Boxes([[0, 0, 0, 1], [0, 2, 0, 0]]), 'ib_roi'))
    loss = head.loss_cls
    # boxes: class 0 six, class 1 one, class 2 one: 1/n normalised to mean 1 over the 3 classes, background 1
    torch.testing.assert_close(loss.class_weight, torch.tensor([1 / 6, 1, 1]) / (13 / 18))
    loss.start()
    rois = torch.randn(5, 4, 2, 2)
    labels = torch.tensor([0, 1, 2, 3, 0])
    cls_score, _ = head(rois)
    ours = loss(cls_score, labels)
    x = rois.flatten(1)
    for fc in head.shared_fcs:
        x = head.relu(fc(x))
    weight = torch.cat([loss.class_weight, torch.ones(1)])
    torch.testing.assert_close(ours, _ib_reference(cls_score, labels, x, 1.0, 1.0, weight))


def test_hook_feeds_a_retina_head_each_levels_classifier_input(mmdet_scope):
    from mmdet.models.dense_heads import RetinaHead
    torch.manual_seed(0)
    head = RetinaHead(num_classes=3, in_channels=4, feat_channels=4, stacked_convs=1,
                      anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=1,
                                            ratios=[0.5, 1.0], strides=[8, 16]),
                      loss_cls=dict(type='libra_plugin.IBFocalLoss', use_sigmoid=True, gamma=2.0, alpha=1.0))
    IBLossHook(switch='iter', at=1).before_train(_runner(head, Boxes([[0]]), 'ib_dense'))
    loss = head.loss_cls
    loss.start()
    feats = [torch.randn(2, 4, 6, 5), torch.randn(2, 4, 3, 3)]
    cls_scores, _ = head(feats)
    assert len(loss._levels) == 2
    for level, (feat, score) in enumerate(zip(feats, cls_scores)):
        flat = score.permute(0, 2, 3, 1).reshape(-1, 3)  # mmdet's order: image, y, x, anchor
        labels = torch.randint(0, 4, (flat.shape[0], ))
        ours = loss(flat, labels)
        h = head.cls_convs[0](feat)  # retina_cls's input at this level
        norm = h.abs().sum(1).reshape(-1).repeat_interleave(2)  # two anchors per location
        torch.testing.assert_close(ours, ib_sigmoid_focal(flat, labels, norm, 1.0, 2.0, 0.25).mean())
    assert loss._levels == []  # one per loss call, in the head's order
