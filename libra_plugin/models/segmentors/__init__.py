from .picie import PiCIE

__all__ = ['PiCIE']
