from .bfp import BFP

__all__ = ['BFP']
