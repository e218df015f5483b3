import pytest
import torch
from mmseg.models.losses import LovaszLoss as MMSegLovaszLoss

from libra_plugin.functional import lovasz_hinge
from libra_plugin.models import LovaszHingeLoss, LovaszSoftmaxLoss


def _batch(seed=0, b=2, h=6, w=8, channels=1):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, channels, h, w, generator=g)
    label = torch.randint(0, 2, (b, h, w), generator=g)
    label[torch.rand(b, h, w, generator=g) < 0.2] = 255
    return logits, label


@pytest.mark.parametrize('per_image', [True, False])
def test_hinge_equals_mmseg_binary(per_image):
    logits, label = _batch()
    a = logits.clone().requires_grad_()
    b = logits[:, 0].clone().requires_grad_()
    ours = LovaszHingeLoss(per_image=per_image)(a, label)
    ref = MMSegLovaszLoss(loss_type='binary', per_image=per_image,
                          reduction='none' if not per_image else 'mean')(b, label, ignore_index=255)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(a.grad[:, 0], b.grad)


def test_two_channel_head_uses_the_margin():
    logits, label = _batch(channels=2)  # mmseg's LovaszLoss raises IndexError here (mmsegmentation#1036)
    margin = logits[:, 1] - logits[:, 0]
    torch.testing.assert_close(LovaszHingeLoss()(logits, label), LovaszHingeLoss()(margin, label))


def test_default_arguments_work():
    logits, label = _batch()
    assert torch.isfinite(LovaszHingeLoss()(logits, label))
    with pytest.raises(AssertionError):
        MMSegLovaszLoss()  # upstream's defaults fail its own assert
    assert LovaszHingeLoss().loss_name == 'loss_lovasz_hinge'


def test_weight_and_all_ignored():
    logits, label = _batch()
    weight = torch.rand(label.shape)
    out = LovaszHingeLoss(loss_weight=2.0)(logits, label, weight=weight)
    valid = label != 255
    torch.testing.assert_close(out, 2.0 * lovasz_hinge(logits[:, 0], label.clamp(max=1), valid, weight))
    x = logits.clone().requires_grad_()
    zero = LovaszHingeLoss()(x, torch.full_like(label, 255))
    zero.backward()
    assert zero.item() == 0 and torch.isfinite(x.grad).all()


def test_mmdet_mask_head_call_picks_the_class_channel():
    g = torch.Generator().manual_seed(0)
    masks = torch.randn(3, 5, 7, 7, generator=g)
    targets = torch.randint(0, 2, (3, 7, 7), generator=g)
    labels = torch.tensor([4, 0, 2])
    expected = LovaszHingeLoss()(masks[torch.arange(3), labels], targets)
    torch.testing.assert_close(LovaszHingeLoss(mask_head=True)(masks, targets, labels), expected)


def test_the_two_call_contracts_are_not_mixed_up():  # id: lovasz-hinge-contract
    masks, targets, labels = torch.zeros(3, 5, 7, 7), torch.zeros(3, 7, 7, dtype=torch.long), torch.zeros(3)
    with pytest.raises(ValueError) as err:
        LovaszHingeLoss()(masks[:, :1], targets, labels)
    assert str(err.value) == ("LovaszHingeLoss: weight must be per pixel, shape (3, 7, 7), got (3,); one class per "
                              "RoI is an mmdet mask head's call: set mask_head=True")
    with pytest.raises(ValueError) as err:
        LovaszHingeLoss(mask_head=True)(masks, targets)
    assert str(err.value) == ('LovaszHingeLoss(mask_head=True) is called as loss(mask_pred (N, C, h, w), '
                              'mask_targets (N, h, w), labels (N,)); got mask_pred (3, 5, 7, 7) and labels None')


def test_softmax_module_ignores_and_validates():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 5, 6, generator=g)
    label = torch.randint(0, 4, (2, 5, 6), generator=g)
    label[0, 0] = 255
    assert torch.isfinite(LovaszSoftmaxLoss()(logits, label))
    ref = MMSegLovaszLoss(loss_type='multi_class', per_image=False, reduction='none')(logits, label,
                                                                                      ignore_index=255)
    torch.testing.assert_close(LovaszSoftmaxLoss()(logits, label), ref)


@pytest.mark.parametrize('call,message', [
    (lambda: LovaszHingeLoss()(torch.zeros(1, 3, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long)),
     'LovaszHingeLoss needs a binary head with 1 or 2 channels, got 3; use LovaszSoftmaxLoss for more classes'),
    (lambda: LovaszHingeLoss()(torch.zeros(1, 1, 2, 2), torch.tensor([[[0, 1], [2, 255]]])),
     'LovaszHingeLoss got labels outside [0, 1] that are not ignore_index=255: [2]'),
    (lambda: LovaszHingeLoss()(torch.zeros(1, 1, 2, 3), torch.zeros(1, 2, 2, dtype=torch.long)),
     'cls_score must match label (B, H, W) (1, 2, 2), got (1, 2, 3)'),
    (lambda: LovaszHingeLoss(loss_name='lovasz'),
     "loss_name must start with 'loss_' (mmseg logs only such keys), got 'lovasz'"),
    (lambda: LovaszSoftmaxLoss(classes='some'),
     "classes must be 'present', 'all' or a list of class indices, got 'some'"),
    (lambda: LovaszSoftmaxLoss(classes=[5])(torch.zeros(1, 3, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long)),
     'classes must be indices in [0, 2], got [5]'),
])
def test_error_messages(call, message):  # id: labels-outside-classes
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == message


def test_in_an_mmseg_decode_head(mmseg_scope):
    from mmseg.models.decode_heads import FCNHead
    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData
    head = FCNHead(in_channels=8, channels=8, num_convs=1, num_classes=2,
                   loss_decode=[dict(type='libra_plugin.LovaszHingeLoss'),
                                dict(type='CrossEntropyLoss', loss_weight=1.0)])
    sample = SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, 2, (1, 16, 16))))
    sample.set_metainfo(dict(img_shape=(16, 16), pad_shape=(16, 16)))
    losses = head.loss([torch.randn(1, 8, 16, 16)], [sample], dict())
    assert set(losses) >= {'loss_lovasz_hinge', 'loss_ce'} and torch.isfinite(losses['loss_lovasz_hinge'])
