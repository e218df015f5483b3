from .checkpoint_hook import ResumableCheckpointHook, latest_complete_checkpoint
from .ib_loss_hook import IBLossHook

__all__ = ['IBLossHook', 'ResumableCheckpointHook', 'latest_complete_checkpoint']
