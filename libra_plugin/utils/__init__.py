from .compat import patch_checkpoint_loading

__all__ = ['patch_checkpoint_loading']
