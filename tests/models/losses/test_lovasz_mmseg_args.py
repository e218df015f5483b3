"""mmseg's own ``test_lovasz_loss.py`` blocks pointed at our classes (type changed, arguments kept), with values
compared to mmseg's ``LovaszLoss``, and the documented differences asserted."""
import numpy as np
import pytest
import torch
from mmengine.fileio import dump
from mmseg.models.losses import LovaszLoss as MMSegLovaszLoss

from libra_plugin.registry import MODELS

pytestmark = pytest.mark.usefixtures('mmseg_scope')  # plain names resolve in mmseg's scope, as in its configs


def build(cfg):
    """mmseg's config with its type changed to ours (and mmseg's default per_image=False made explicit: the
    hinge's default is the paper's True, a documented difference)."""
    ours = 'LovaszHingeLoss' if cfg.get('loss_type') == 'binary' else 'LovaszSoftmaxLoss'
    return (MODELS.build(dict(cfg, type=ours, per_image=cfg.get('per_image', False))),
            MMSegLovaszLoss(**{k: v for k, v in cfg.items() if k != 'type'}))


def _data(binary, seed=0, b=2):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, 4, 4, generator=g) if binary else torch.randn(b, 3, 4, 4, generator=g)
    labels = torch.randint(0, 2 if binary else 3, (b, 4, 4), generator=g)
    return logits, labels


def _same(ours, ref, logits, labels, **kw):
    a, r = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    out, expected = ours(a, labels, **kw), ref(r, labels, **kw)
    torch.testing.assert_close(out, expected)
    (out.sum() + 0).backward()
    expected.sum().backward()
    torch.testing.assert_close(a.grad, r.grad)


def test_multi_class_blocks(tmp_path):
    # "reduction should be 'none' when per_image is False": mmseg asserts; ours is one value whatever the reduction
    with pytest.raises(AssertionError):
        MMSegLovaszLoss(loss_type='multi_class', loss_name='loss_lovasz')
    loss = MODELS.build(dict(type='LovaszSoftmaxLoss', loss_type='multi_class', loss_name='loss_lovasz'))
    logits, labels = _data(False)
    torch.testing.assert_close(loss(logits, labels), MMSegLovaszLoss(reduction='none')(logits, labels))

    ours, ref = build(dict(type='LovaszLoss', reduction='none', loss_weight=1.0, loss_name='loss_lovasz'))
    _same(ours, ref, logits, labels)

    cfg = dict(type='LovaszLoss', per_image=True, reduction='mean', class_weight=[1.0, 2.0, 3.0], loss_weight=1.0,
               loss_name='loss_lovasz')
    ours, ref = build(cfg)
    _same(ours, ref, logits, labels, ignore_index=None)
    dump([1.0, 2.0, 3.0], str(tmp_path / 'w.pkl'))
    np.save(tmp_path / 'w.npy', np.array([1.0, 2.0, 3.0]))
    for path in ('w.pkl', 'w.npy'):
        ours, ref = build(dict(cfg, class_weight=str(tmp_path / path)))
        assert ours.class_weight == [1.0, 2.0, 3.0]
        _same(ours, ref, logits, labels, ignore_index=None)


def test_binary_blocks():
    assert MODELS.build(dict(type='LovaszHingeLoss')).per_image is True  # mmseg: False
    assert MODELS.build(dict(type='LovaszHingeLoss')).loss_name == 'loss_lovasz_hinge'  # mmseg: loss_lovasz
    with pytest.raises(AssertionError):
        MMSegLovaszLoss(loss_type='Binary', reduction='none')
    with pytest.raises(ValueError, match="LovaszSoftmaxLoss is mmseg's LovaszLoss with loss_type='multi_class'; got "
                                         r"loss_type='Binary' \(allowed: 'binary', 'multi_class'\)"):
        MODELS.build(dict(type='LovaszSoftmaxLoss', loss_type='Binary', reduction='none'))
    logits, labels = _data(True)
    ours, ref = build(dict(type='LovaszLoss', loss_type='binary', reduction='none', loss_weight=1.0,
                           loss_name='loss_lovasz'))
    _same(ours, ref, logits, labels)
    ours, ref = build(dict(type='LovaszLoss', loss_type='binary', per_image=True, reduction='mean', loss_weight=1.0,
                           loss_name='loss_lovasz'))
    _same(ours, ref, logits, labels, ignore_index=None)
    assert ours.loss_name == 'loss_lovasz'


@pytest.mark.parametrize('binary', [True, False])
@pytest.mark.parametrize('reduction', ['none', 'sum', 'mean'])
def test_per_image_reductions_and_overrides_match_mmseg(binary, reduction):
    logits, labels = _data(binary, seed=1, b=3)
    cfg = dict(loss_type='binary' if binary else 'multi_class', per_image=True, reduction='mean')
    ours, ref = build(cfg)
    _same(ours, ref, logits, labels, reduction_override=reduction)
    if reduction == 'none':
        assert ours(logits, labels, reduction_override='none').shape == (3, )
    if reduction == 'mean':
        _same(ours, ref, logits, labels, avg_factor=2.5)


@pytest.mark.parametrize('binary', [True, False])
def test_arguments_never_ignored(binary):  # id: lovasz-reduction-args
    logits, labels = _data(binary)
    name = 'LovaszHingeLoss' if binary else 'LovaszSoftmaxLoss'
    loss = MODELS.build(dict(type=name, per_image=True))
    with pytest.raises(ValueError, match=r"reduction_override must be one of \('none', 'mean', 'sum'\), got 'bogus'"):
        loss(logits, labels, reduction_override='bogus')
    with pytest.raises(ValueError, match=f"{name}: avg_factor divides the sum of the per-image losses for "
                                         "reduction='mean'; got reduction='sum'"):
        loss(logits, labels, avg_factor=2, reduction_override='sum')
    with pytest.raises(ValueError, match=f'{name}: avg_factor needs per_image=True'):
        MODELS.build(dict(type=name, per_image=False))(logits, labels, avg_factor=2)
    with pytest.raises(ValueError, match=r"reduction must be one of \('none', 'mean', 'sum'\), got 'avg'"):
        MODELS.build(dict(type=name, reduction='avg'))


def test_hinge_placeholders_and_wrong_type():  # id: lovasz-loss-type
    with pytest.raises(ValueError, match="LovaszHingeLoss is mmseg's LovaszLoss with loss_type='binary'; got "
                                         r"loss_type='multi_class' \(use LovaszSoftmaxLoss\)"):
        MODELS.build(dict(type='LovaszHingeLoss', loss_type='multi_class'))
    MODELS.build(dict(type='LovaszHingeLoss', classes='all'))  # a placeholder in mmseg: accepted, no effect
    with pytest.raises(ValueError, match="LovaszHingeLoss has one foreground class: classes must be 'present' or "
                                         "'all'"):
        MODELS.build(dict(type='LovaszHingeLoss', classes=[1]))
    with pytest.raises(ValueError, match='LovaszHingeLoss has one foreground class: class_weight must be None'):
        MODELS.build(dict(type='LovaszHingeLoss', class_weight=[1.0, 2.0]))
    with pytest.raises(ValueError, match=r'class_weight must have one weight per class \(3\), got shape \(2,\)'):
        MODELS.build(dict(type='LovaszSoftmaxLoss', class_weight=[1.0, 2.0]))(*_data(False))


def test_mean_leaves_out_images_without_valid_pixels():
    # documented difference: mmseg counts an all-ignored image as a 0 in the mean
    logits, labels = _data(True, b=2)
    labels[1] = 255
    ours, ref = build(dict(loss_type='binary', per_image=True, reduction='mean'))
    only_first = ours(logits[:1], labels[:1])
    torch.testing.assert_close(ours(logits, labels), only_first)
    torch.testing.assert_close(ref(logits, labels), only_first / 2)
    torch.testing.assert_close(ours(logits, labels, reduction_override='none'), ref(logits, labels,
                                                                                    reduction_override='none'))
