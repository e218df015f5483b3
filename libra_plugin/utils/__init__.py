from .compat import patch_checkpoint_loading
from .pretrained import register_scheme as register_offline_weights

__all__ = ['patch_checkpoint_loading', 'register_offline_weights']
