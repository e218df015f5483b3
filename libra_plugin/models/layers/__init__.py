from .roi_align import TorchRoIAlign

__all__ = ['TorchRoIAlign']
