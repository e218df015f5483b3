"""ChannelsLastHook: the model's 4-d weights become channels-last, and a training step gives the same losses and
gradients as the default layout (to float tolerance)."""
from types import SimpleNamespace

import torch
from mmdet.models.backbones import MobileNetV2

from libra_plugin.engine import ChannelsLastHook


def test_weights_channels_last_and_the_same_step():
    torch.manual_seed(0)
    ref = MobileNetV2(out_indices=(1, 2, 4, 7))
    model = MobileNetV2(out_indices=(1, 2, 4, 7))
    model.load_state_dict(ref.state_dict())
    ref.double()
    model.double()  # float64: the two layouts must agree to rounding, not to float32's summation noise
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    convs = [p for p in model.parameters() if p.dim() == 4]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    assert not all(p.is_contiguous(memory_format=torch.channels_last) for p in ref.parameters() if p.dim() == 4)
    x = torch.randn(2, 3, 64, 96, dtype=torch.float64)
    outs, grads = [], []
    for m in (ref, model):
        out = m(x)
        loss = sum((o ** 2).mean() for o in out)
        loss.backward()
        outs.append(loss.detach())
        grads.append([p.grad.clone() for p in m.parameters()])
    torch.testing.assert_close(outs[0], outs[1], rtol=1e-10, atol=1e-12)
    # relative to the largest gradient: some (a BatchNorm bias feeding the next BatchNorm in training mode) are 0 in
    # exact arithmetic and only rounding noise in either layout
    scale = max(float(a.abs().max()) for a in grads[0])
    assert max(float((a - b).abs().max()) for a, b in zip(*grads)) <= 1e-9 * scale
    assert model(x)[0].is_contiguous(memory_format=torch.channels_last)  # the layout carries through


def test_mmcv_ops_get_contiguous_inputs():
    """mmcv's CPU RoIAlign reads a channels-last map as NCHW and returns wrong values silently; under the hook an RoI
    extractor gives the default layout's features (and gradients)."""
    from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
    torch.manual_seed(0)
    make = lambda: SingleRoIExtractor(roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),  # noqa: E731
                                      out_channels=8, featmap_strides=[4, 8])
    ref, model = make(), make()
    feats = [torch.randn(2, 8, 24, 32, requires_grad=True), torch.randn(2, 8, 12, 16, requires_grad=True)]
    rois = torch.tensor([[0, 4., 4., 60., 50.], [1, 0., 10., 120., 90.], [0, 30., 20., 40., 36.]])
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    cl = [f.detach().contiguous(memory_format=torch.channels_last).requires_grad_() for f in feats]
    expected, got = ref(feats, rois), model(cl, rois)
    torch.testing.assert_close(got, expected)
    expected.sum().backward()
    got.sum().backward()
    for a, b in zip(feats, cl):
        torch.testing.assert_close(b.grad, a.grad)


def test_a_seeded_model_starts_from_the_same_weights_with_the_hook(tmp_path):  # id: channels-last-init
    """The runner initialises the weights after before_run: converting there made initialisers fill channels-last
    tensors in another order (41 of a Faster R-CNN's 134 parameters took other values); the hook converts after."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    class Net(BaseModel):
        def __init__(self):
            super().__init__(init_cfg=dict(type='Kaiming', layer='Conv2d'))
            self.conv = torch.nn.Conv2d(3, 8, 3)

        def forward(self, inputs, mode='loss'):
            return dict(loss=self.conv(inputs).mean())

    def start(name, hooks):
        runner = Runner(model=Net(), work_dir=str(tmp_path / name), experiment_name=f'cl_{name}',
                        train_dataloader=DataLoader([dict(inputs=torch.zeros(3, 8, 8))], batch_size=1),
                        train_cfg=dict(by_epoch=False, max_iters=1), randomness=dict(seed=3),
                        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)), custom_hooks=hooks,
                        default_hooks=dict(checkpoint=None))
        runner.train()
        return runner.model.conv.weight

    plain, hooked = start('plain', []), start('hooked', [dict(type='libra_plugin.ChannelsLastHook')])
    assert hooked.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(hooked, plain, rtol=0, atol=0)
