"""mmcv's ``RoIAlign`` computed by :func:`libra_plugin.functional.roi_align.roi_align` on CPU tensors."""
import torch
from mmcv.ops import RoIAlign

from libra_plugin.functional.roi_align import roi_align


class TorchRoIAlign(RoIAlign):
    """``mmcv.ops.RoIAlign`` whose CPU forward (and backward) is the multi-threaded pure-torch
    :func:`~libra_plugin.functional.roi_align.roi_align`: the same sample points, weights and border rules, any
    memory format of the features (channels-last without a copy). CUDA tensors, max pooling and the adaptive grid
    (``sampling_ratio=0``) keep mmcv's kernel. ``TorchRoIAlignHook`` puts it in place of a model's ``RoIAlign``
    layers; built directly it takes ``RoIAlign``'s arguments."""

    any_memory_format = True  # ChannelsLastHook leaves its inputs as they are

    @classmethod
    def supports(cls, layer: RoIAlign) -> bool:
        """Whether ``layer``'s settings are the ones computed here (else mmcv's kernel runs)."""
        return layer.pool_mode == 'avg' and layer.sampling_ratio > 0 and not layer.use_torchvision

    def forward(self, input: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        if input.device.type != 'cpu' or not self.supports(self):
            return super().forward(input.contiguous(), rois)
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)
