from .bfp import BFP
from .picie_fpn import PiCIEFPN

__all__ = ['BFP', 'PiCIEFPN']
