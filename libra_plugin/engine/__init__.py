from .channels_last_hook import ChannelsLastHook
from .checkpoint_hook import ResumableCheckpointHook, latest_complete_checkpoint
from .ib_loss_hook import IBLossHook
from .picie_cluster_hook import PiCIEClusterHook

__all__ = ['ChannelsLastHook', 'IBLossHook', 'PiCIEClusterHook', 'ResumableCheckpointHook', 'latest_complete_checkpoint']
