"""Put the plugin's multi-threaded RoI Align in place of mmcv's single-threaded CPU kernel."""
from mmcv.ops import RoIAlign
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from libra_plugin.models.layers import TorchRoIAlign
from libra_plugin.registry import HOOKS


@HOOKS.register_module()
class TorchRoIAlignHook(Hook):
    """Before the run, every ``mmcv.ops.RoIAlign`` layer of the model (e.g. the RoI extractors of a two-stage
    detector) becomes a :class:`~libra_plugin.models.layers.TorchRoIAlign`: on CPU its forward and backward run on
    all intra-op threads (mmcv's CPU kernel loops over the RoIs on one), with the same sample points and weights,
    so outputs and gradients agree to float rounding (tests/engine/test_torch_roi_align_hook.py); on CUDA, and for
    max pooling or ``sampling_ratio=0``, mmcv's kernel still runs. Checkpoints are unchanged (the layer has no
    parameters). Measured in docs/speed.md.

    It runs before ``ChannelsLastHook`` (priority ``HIGHEST``), which then leaves the replaced layers' inputs in
    the channels-last layout instead of copying them to NCHW for mmcv.
    """

    priority = 'HIGHEST'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        replaced = 0
        for module in model.modules():
            if type(module) is RoIAlign and TorchRoIAlign.supports(module):
                module.__class__ = TorchRoIAlign
                replaced += 1
        runner.logger.info(f'TorchRoIAlignHook: {replaced} RoIAlign layers computed by libra_plugin.TorchRoIAlign '
                           'on CPU')
