import pytest
import torch
from mmdet.models.necks import BFP as MMDetBFP

from libra_plugin.models import BFP

SIZES = [(32, 48), (16, 24), (8, 12), (4, 6), (2, 3)]


def _inputs(channels=16, sizes=SIZES, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(2, channels, h, w, generator=g, dtype=dtype, requires_grad=True) for h, w in sizes]


def _randomise(module):
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)  # conv_out starts at 0: make the refine matter


@pytest.mark.parametrize('refine_type', [None, 'conv', 'non_local'])
@pytest.mark.parametrize('refine_level', [0, 2, 4])
def test_matches_mmdet_with_its_state_dict(refine_type, refine_level):
    ref = MMDetBFP(16, 5, refine_level=refine_level, refine_type=refine_type)
    _randomise(ref)
    ours = BFP(16, 5, refine_level=refine_level, refine_type=refine_type)
    ours.load_state_dict(ref.state_dict(), strict=True)  # raises on any missing or unexpected key
    xs_ref, xs = _inputs(), _inputs()
    outs_ref, outs = ref(xs_ref), ours(xs)
    grads = [torch.randn_like(o) for o in outs]
    torch.autograd.backward(outs_ref, grads)
    torch.autograd.backward(outs, grads)
    for a, b in zip(outs, outs_ref):
        assert (a - b).abs().max() <= 1e-5
    for a, b in zip(xs, xs_ref):
        assert (a.grad - b.grad).abs().max() <= 1e-5


def test_state_dict_keys_and_init_match_mmdet():
    torch.manual_seed(0)
    ref = MMDetBFP(16, 5, refine_type='non_local')
    ref.init_weights()
    ours = BFP(16, 5, refine_type='non_local')
    ours.init_weights()
    assert list(ours.state_dict()) == list(ref.state_dict())  # same names in the same order
    assert [p.shape for p in ours.parameters()] == [p.shape for p in ref.parameters()]
    assert torch.count_nonzero(ours.refine.conv_out.conv.weight) == 0  # the block starts as the identity


def test_deterministic_mode_same_values_and_repeatable_gradients():
    torch.manual_seed(0)
    sizes = [(40, 60), (20, 30), (10, 15), (5, 8), (3, 4)]  # 10x15 -> 3x4 is not an integer ratio
    ours = BFP(8, 5, refine_level=2, refine_type='non_local')
    _randomise(ours)
    det = BFP(8, 5, refine_level=2, refine_type='non_local', deterministic=True)
    det.load_state_dict(ours.state_dict())

    def run(model):
        xs = _inputs(8, sizes)
        outs = model(xs)
        torch.autograd.backward(outs, [torch.ones_like(o) for o in outs])
        return outs, [x.grad for x in xs]

    (o1, g1), (o2, g2), (o3, g3) = run(ours), run(det), run(det)
    for a, b in zip(o1, o2):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    for a, b, c in zip(g1, g2, g3):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
        assert torch.equal(b, c)


@pytest.mark.slow
def test_gradcheck_float64():
    neck = BFP(4, 3, refine_level=1, refine_type='non_local').double()
    _randomise(neck)
    xs = _inputs(4, [(8, 8), (4, 4), (2, 2)], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda *x: neck(x), tuple(xs))


@pytest.mark.parametrize('levels', [2, 3, 6])
def test_any_number_of_levels(levels):
    sizes = [(2**(levels - i + 1), 2**(levels - i + 1)) for i in range(levels)]
    outs = BFP(4, levels, refine_level=levels - 1, refine_type='conv')(_inputs(4, sizes))
    assert [tuple(o.shape[-2:]) for o in outs] == sizes


@pytest.mark.parametrize('kwargs,message', [
    (dict(refine_type='nonlocal'), "refine_type must be one of (None, 'conv', 'non_local'), got 'nonlocal'"),
    (dict(refine_level=5), 'refine_level must be an integer in [0, 4] (num_levels=5), got 5'),
    (dict(refine_level=-1), 'refine_level must be an integer in [0, 4] (num_levels=5), got -1'),
    (dict(num_levels=1, refine_level=0), 'num_levels must be an integer >= 2, got 1'),
    (dict(in_channels=0), 'in_channels must be a positive integer, got 0'),
])
def test_bad_arguments(kwargs, message):  # ids: bfp-refine-type, bfp-refine-level, bfp-num-levels
    args = dict(in_channels=16, num_levels=5)
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        BFP(**args)
    assert str(err.value) == message


def test_bad_inputs():  # ids: bfp-inputs-count, bfp-channels
    neck = BFP(16, 5)
    with pytest.raises(ValueError) as err:
        neck(_inputs()[:4])
    assert str(err.value) == 'inputs must hold num_levels=5 feature maps, got 4'
    xs = _inputs()
    xs[3] = torch.zeros(2, 8, 4, 6)
    with pytest.raises(ValueError) as err:
        neck(xs)
    assert str(err.value) == 'inputs[3] must have shape (B, in_channels=16, H, W), got (2, 8, 4, 6)'


def test_levels_of_different_batch_sizes():  # id: bfp-batch-mismatch
    xs = _inputs()
    xs[2] = xs[2][:1]
    with pytest.raises(ValueError) as err:
        BFP(16, 5)(xs)
    assert str(err.value) == ('BFP inputs: level 2 has batch size 1 and 16 channels, level 0 has 2 and 16: every '
                              'level must come from the same images with the same channels')


def test_optimizer_state_of_mmdet_libra_resumes_onto_the_same_tensors():
    """An SGD state saved by mmdet's Libra Faster R-CNN, loaded into ours: each momentum on its own parameter."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    from mmengine.hub import get_config
    register_all_modules()
    models = []
    for cfg in (get_config('mmdet::libra_rcnn/libra-faster-rcnn_r50_fpn_1x_coco.py'),
                Config.fromfile('configs/libra_faster_rcnn.py')):
        cfg.model.backbone.init_cfg = None
        models.append(MODELS.build(cfg.model))
    theirs, ours = models
    assert type(ours.neck[1]).__module__ == 'libra_plugin.models.necks.bfp'
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    g = torch.Generator().manual_seed(0)
    for p in theirs.parameters():
        p.grad = torch.randn(p.shape, generator=g)
    opt.step()
    resumed = torch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    resumed.load_state_dict(opt.state_dict())
    momentum = {n: opt.state[p]['momentum_buffer'] for n, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        assert torch.equal(resumed.state[p]['momentum_buffer'], momentum[name]), name
