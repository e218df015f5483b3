from .channels_last_hook import ChannelsLastHook
from .checkpoint_hook import ResumableCheckpointHook, latest_complete_checkpoint
from .ib_loss_hook import IBLossHook
from .loss_switch_hook import LossSwitchHook
from .picie_cluster_hook import PiCIEClusterHook
from .torch_roi_align_hook import TorchRoIAlignHook

__all__ = ['ChannelsLastHook', 'IBLossHook', 'LossSwitchHook', 'PiCIEClusterHook', 'ResumableCheckpointHook',
           'TorchRoIAlignHook', 'latest_complete_checkpoint']
