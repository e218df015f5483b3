import logging
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from PIL import Image

from libra_plugin.datasets.class_counts import count_classes, inverse_frequency_weights
from libra_plugin.engine import IBLossHook
from libra_plugin.models import IBFocalLoss


class LabelSet:
    """The part of an mmseg dataset that class counting uses."""

    def __init__(self, paths, label_map=None):
        self.paths, self.label_map = paths, label_map

    def __len__(self):
        return len(self.paths)

    def get_data_info(self, i):
        return dict(seg_map_path=self.paths[i], label_map=self.label_map, reduce_zero_label=False)


@pytest.fixture
def label_set(tmp_path):
    paths = []
    for i, values in enumerate([[0] * 10 + [1] * 2 + [3] * 4, [0] * 12 + [255] * 4]):
        path = str(tmp_path / f'{i}.png')
        Image.fromarray(np.array(values, dtype=np.uint8).reshape(4, 4)).save(path)
        paths.append(path)
    return LabelSet(paths)


def _model():
    from mmseg.models.decode_heads import FCNHead
    return FCNHead(in_channels=4, channels=4, num_convs=1, num_classes=4,
                   loss_decode=[dict(type='libra_plugin.IBFocalLoss', class_weight='auto'),
                                dict(type='CrossEntropyLoss', loss_weight=0.5)])


def _runner(model, dataset, name, train_loop=None, max_iters=100, max_epochs=10):
    return SimpleNamespace(model=model, train_dataloader=SimpleNamespace(dataset=dataset), iter=0, epoch=0,
                           message_hub=MessageHub.get_instance(name), logger=logging.getLogger(name),
                           train_loop=train_loop or SimpleNamespace(), max_iters=max_iters, max_epochs=max_epochs)


def test_counts_are_cached_and_weights_inverse_frequency(label_set, tmp_path):
    counts = count_classes(label_set, 4, cache_dir=str(tmp_path / 'cache'))
    assert counts.tolist() == [22, 2, 0, 4]
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(label_set.paths[0])  # changed file -> new key
    assert count_classes(label_set, 4, cache_dir=str(tmp_path / 'cache')).tolist() == [28, 0, 0, 0]
    w = inverse_frequency_weights(np.array([22, 2, 0, 4]))
    # 1/22, 1/2, -, 1/4 normalised to sum to the 3 present classes; the absent class gets 0
    inv = np.array([1 / 22, 1 / 2, 0, 1 / 4])
    np.testing.assert_allclose(w, inv / inv.sum() * 3)


def test_class_weight_power():
    counts = np.array([100, 25, 0, 4])
    np.testing.assert_allclose(inverse_frequency_weights(counts, 0.0), [1, 1, 0, 1])
    inv = np.array([0.1, 0.2, 0, 0.5])  # n^-0.5
    np.testing.assert_allclose(inverse_frequency_weights(counts, 0.5), inv / inv.sum() * 3)
    with pytest.raises(ValueError, match='the class weight power must be a number >= 0, got -1'):
        inverse_frequency_weights(counts, -1)


def test_counts_reject_unknown_labels(label_set, tmp_path):
    with pytest.raises(ValueError, match=r'label maps hold values \[3\] outside the 3 classes and ignore_index=255'):
        count_classes(label_set, 3, cache_dir=str(tmp_path / 'c'))


def test_counts_reject_label_maps_with_channels(label_set, tmp_path):  # id: seg-map-channels-counts
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(label_set.paths[1])  # counted 3 times before
    with pytest.raises(ValueError, match=f'label map {label_set.paths[1]} has 3 channels: a label map is one '
                                         'channel of class indices'):
        count_classes(label_set, 4, cache_dir=str(tmp_path / 'c'))


def test_ib_focal_loss_in_a_head_without_a_known_classifier_is_an_error():  # id: ib-focal-detection-head
    from libra_plugin.engine.ib_loss_hook import find_ib_losses
    odd = torch.nn.Module()
    odd.loss_cls = IBFocalLoss()
    with pytest.raises(ValueError, match=r"IBFocalLoss is the loss_cls of Module, which has no classifier whose input "
                                         r"could serve as the feature h: supported are mmdet's BBoxHead family"):
        find_ib_losses(odd)
    stray = torch.nn.Module()
    stray.extra = IBFocalLoss()
    with pytest.raises(ValueError, match='IBFocalLoss at extra is neither the loss_decode of a segmentation head nor '
                                         'the loss_cls of a detection head'):
        find_ib_losses(stray)


def test_hook_feeds_features_weights_and_switches_at_iteration(label_set, tmp_path, mmseg_scope):
    head = _model()
    runner = _runner(head, label_set, 'hook_iter')
    hook = IBLossHook(switch='iter', at=2, cache_dir=str(tmp_path / 'cache'))
    hook.before_train(runner)
    loss = head.loss_decode[0]
    assert loss.class_weight.numel() == 4 and loss.class_weight[2] == 0
    feats = [torch.randn(2, 4, 8, 8)]
    head.forward(feats)
    assert loss.feature is not None and loss.feature.shape == (2, 4, 8, 8)  # conv_seg's input
    hook.after_train_iter(runner, 0)
    assert not bool(loss.active)
    runner.iter = 1
    hook.after_train_iter(runner, 1)
    assert bool(loss.active) and runner.message_hub.get_info('ib_switch_iter') == 2


def test_lr_factor_and_class_weight_power_at_the_switch(label_set, tmp_path, mmseg_scope):
    """The IB paper's recipe as options: the learning rate x 0.01 once at the switch, and a milder w_c ∝ n_c^-0.5."""
    head = _model()
    head.loss_decode[0] = IBFocalLoss(class_weight='auto', class_weight_power=0.5)
    runner = _runner(head, label_set, 'hook_lr')
    runner.optim_wrapper = SimpleNamespace(param_groups=[dict(lr=0.1), dict(lr=0.02)])
    hook = IBLossHook(switch='iter', at=1, lr_factor=0.01, cache_dir=str(tmp_path / 'cache'))
    hook.before_train(runner)
    torch.testing.assert_close(head.loss_decode[0].class_weight,
                               torch.as_tensor(inverse_frequency_weights(np.array([22, 2, 0, 4]), 0.5)).float())
    for it in range(3):  # switches after the first; later iterations leave the rate alone
        runner.iter = it
        hook.after_train_iter(runner, it)
    assert [g['lr'] for g in runner.optim_wrapper.param_groups] == pytest.approx([1e-3, 2e-4])
    with pytest.raises(ValueError, match='lr_factor must be a number > 0, got 0'):
        IBLossHook(lr_factor=0)
    with pytest.raises(ValueError, match="class_weight_power applies to class_weight='auto' only, got "
                                         'class_weight=None'):
        IBFocalLoss(class_weight_power=0.5)


def test_hook_switches_when_smoothed_loss_stops_improving(label_set, tmp_path, mmseg_scope):
    head = _model()
    runner = _runner(head, label_set, 'hook_min')
    hook = IBLossHook(switch='loss_min', patience=3, smooth=0.0, cache_dir=str(tmp_path / 'cache'))
    hook.before_train(runner)
    for it, value in enumerate([3.0, 2.0, 1.0, 1.5, 1.2, 1.1]):
        runner.iter = it
        hook.after_train_iter(runner, it, outputs=dict(loss=torch.tensor(value)))
        assert bool(head.loss_decode[0].active) == (it == 5)  # 3 iterations without beating 1.0


def test_hook_switches_after_the_epoch_whose_mean_loss_is_not_a_new_minimum(label_set, tmp_path, mmseg_scope):
    """Epoch means 2.0, 1.5, 1.0, 1.2: the minimum was epoch 2, seen at the end of epoch 3, so IB starts at 4."""
    head = _model()
    runner = _runner(head, label_set, 'hook_epoch_min')
    hook = IBLossHook(switch='epoch_loss_min', cache_dir=str(tmp_path / 'cache'))
    hook.before_train(runner)
    for epoch, values in enumerate([[2.5, 1.5], [1.6, 1.4], [1.1, 0.9], [1.0, 1.4]]):
        runner.epoch = epoch
        for it, value in enumerate(values):
            hook.after_train_iter(runner, it, outputs=dict(loss=torch.tensor(value)))
            runner.iter += 1  # as mmengine's loop, after the hooks
        assert not bool(head.loss_decode[0].active)
        hook.after_train_epoch(runner)
        assert bool(head.loss_decode[0].active) == (epoch == 3)
    assert runner.message_hub.get_info('ib_epoch_loss_best') == pytest.approx(1.0)
    assert runner.message_hub.get_info('ib_switch_iter') == 8  # after the 8 iterations of epochs 0-3


def test_hook_switches_at_an_epoch(label_set, tmp_path, mmseg_scope):
    """switch='epoch', at=1: CE for epoch 0 (3 iterations), IB focal from the first iteration of epoch 1."""
    head = _model()
    runner = _runner(head, label_set, 'hook_epoch_at')
    hook = IBLossHook(switch='epoch', at=1, cache_dir=str(tmp_path / 'cache'))
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    assert not bool(head.loss_decode[0].active)
    runner.epoch, runner.iter = 1, 3
    hook.before_train_epoch(runner)
    assert bool(head.loss_decode[0].active) and runner.message_hub.get_info('ib_switch_iter') == 3


def test_a_model_that_supplies_its_features_needs_no_conv_seg(mmseg_scope):
    """PiCIE hands IBFocalLoss its embeddings itself: the hook accepts it and hooks nothing."""
    odd = torch.nn.Module()
    odd.loss_decode = IBFocalLoss()
    odd.supplies_ib_features = True
    hook = IBLossHook(switch='iter', at=1)
    hook.before_train(_runner(odd, None, 'hook_supplies'))
    assert hook.losses == [odd.loss_decode]


def test_hook_errors():  # ids: ib-hook-switch, ib-focal-no-features
    with pytest.raises(ValueError,
                       match=r"switch must be one of \('iter', 'epoch', 'loss_min', 'epoch_loss_min'\), got 'best'"):
        IBLossHook(switch='best')
    with pytest.raises(ValueError, match="at must be an integer >= 0 with switch='iter', got None"):
        IBLossHook(switch='iter')
    runner = _runner(torch.nn.Linear(2, 2), None, 'hook_err')
    with pytest.raises(ValueError, match='IBLossHook found no IBFocalLoss in the model'):
        IBLossHook().before_train(runner)
    odd = torch.nn.Module()
    odd.loss_decode = IBFocalLoss()
    with pytest.raises(ValueError, match='IBFocalLoss is configured on Module, which has no conv_seg'):
        IBLossHook().before_train(_runner(odd, None, 'hook_err2'))


def test_switch_that_cannot_happen_is_an_error_before_training(mmseg_scope):  # id: ib-hook-unreachable
    from mmengine.runner import IterBasedTrainLoop
    iter_loop = object.__new__(IterBasedTrainLoop)
    for switch in ('epoch', 'epoch_loss_min'):
        with pytest.raises(ValueError, match=rf"IBLossHook\(switch='{switch}'\) needs an epoch-based train loop, "
                                             'but train_cfg is IterBasedTrainLoop'):
            IBLossHook(switch=switch, at=1).before_train(_runner(_model(), None, f'sched_{switch}', iter_loop))
    with pytest.raises(ValueError, match='IBLossHook: at=101 is beyond the 100 training iterations'):
        IBLossHook(switch='iter', at=101).before_train(_runner(_model(), None, 'sched_iter'))
    with pytest.raises(ValueError, match=r'IBLossHook: at=10 is not a training epoch \(0 to 9\)'):
        IBLossHook(switch='epoch', at=10).before_train(_runner(_model(), None, 'sched_epoch'))


def test_ib_focal_loss_without_the_hook_is_an_error_in_a_training_runner(label_set, tmp_path, mmseg_scope):  # id: ib-focal-no-hook
    from libra_plugin.models.losses.ib_focal_loss import NO_HOOK
    logits, label = torch.randn(1, 4, 4, 4), torch.randint(0, 4, (1, 4, 4))
    hub = MessageHub.get_instance('runner_without_hook')  # the current instance, as a runner's
    hub.update_info('loop_stage', 'train')
    try:
        with pytest.raises(RuntimeError, match='IBFocalLoss is training without IBLossHook, so it would stay in its '
                                               'warm-up loss for the whole run'):
            IBFocalLoss()(logits, label)
        assert NO_HOOK.endswith('and switches it to IB focal')
        head = _model()
        IBLossHook(switch='iter', at=1, cache_dir=str(tmp_path)).before_train(_runner(head, label_set, 'with_hook'))
        assert torch.isfinite(head.loss_decode[0](logits, label))  # scheduled by the hook
        loss = IBFocalLoss().eval()
        assert torch.isfinite(loss(logits, label))  # evaluation (a val loss) is not training
    finally:
        hub.pop_info('loop_stage')
    assert torch.isfinite(IBFocalLoss()(logits, label))  # no runner: standalone use


def test_alpha_is_logged_when_set_at_the_switch():
    from mmengine.logging import MMLogger
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_instance('alpha_log')
    logger.addHandler(handler)
    loss = IBFocalLoss(alpha='auto')
    loss.start()
    loss.set_feature(torch.rand(1, 2, 4, 4))
    loss(torch.randn(1, 3, 4, 4), torch.randint(0, 3, (1, 4, 4)))
    logger.removeHandler(handler)
    messages = [r.getMessage() for r in records]
    assert any(m.startswith(f'IBFocalLoss: alpha set to {float(loss.alpha):.6g} at the switch') for m in messages)
