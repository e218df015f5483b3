from .ib_loss_hook import IBLossHook

__all__ = ['IBLossHook']
