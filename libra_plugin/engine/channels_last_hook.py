"""Run a model's convolutions in the channels-last memory format (faster oneDNN / cuDNN kernels)."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from libra_plugin.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Before training (or a validation or test run), put every 4-d parameter and buffer of the model in
    ``torch.channels_last`` memory format.

    A convolution whose weight is channels-last returns channels-last output, so the whole network runs in that
    layout without touching the data pipeline. On CPU, oneDNN's kernels skip their layout conversions: measured in
    docs/speed.md. Only the memory layout changes: the values are the same up to floating-point summation
    order, checkpoints hold the same tensors (``torch.save`` keeps the strides, loading copies values), and a model
    without 4-d weights is left as it is.

    mmcv's compiled ops index their inputs as contiguous NCHW: on a channels-last feature map its CPU ``RoIAlign``
    returns wrong values without an error (a Faster R-CNN then trains to 0 AP). Every module from ``mmcv.ops`` in
    the model therefore gets its 4-d tensor inputs made contiguous first (a forward pre-hook), except the layers that
    read any layout (``any_memory_format``, e.g. the ``TorchRoIAlign`` of ``TorchRoIAlignHook``).

    The conversion happens after the runner has initialised the weights and loaded or resumed a checkpoint
    (``before_train`` / ``before_val`` / ``before_test``, not ``before_run``): initialisers fill a tensor in memory
    order, so a channels-last tensor drawn from a seed holds other values than the NCHW one, and a model from scratch
    would start elsewhere than the same seed without the hook. The parameters stay the same objects (the optimizer
    built before keeps them).
    """

    priority = 'VERY_HIGH'  # before any other hook of the same stage reads the parameters

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)

    def _convert(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, '_libra_channels_last', False):
            return
        model.to(memory_format=torch.channels_last)
        for module in model.modules():
            if type(module).__module__.startswith('mmcv.ops') and not getattr(module, 'any_memory_format', False):
                module.register_forward_pre_hook(_contiguous_inputs)
        model._libra_channels_last = True


def _contiguous_inputs(module, args):
    """The positional inputs of an mmcv op, 4-d tensors made contiguous (NCHW)."""
    return tuple(a.contiguous() if isinstance(a, torch.Tensor) and a.dim() == 4 else a for a in args)
