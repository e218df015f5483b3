# The collapse study: as fastscnn_camvid_ibfocal.py, with the learning rate dropped 100x at the switch (the IB
# authors' schedule).
_base_ = './fastscnn_camvid_ibfocal.py'

custom_hooks = [dict(type='libra_plugin.IBLossHook', switch='iter', at=500, lr_factor=0.01)]
