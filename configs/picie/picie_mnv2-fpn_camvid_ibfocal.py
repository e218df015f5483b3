# PiCIE with CE for the first epoch, IB focal for the second (the IB focal paper's method 2: CE until the model is
# at its best, then IB focal). The switch epoch is the development split's choice: CE's mIoU there peaks after the
# first epoch (docs/picie.md); the paper's own rule, switch='epoch_loss_min', would never fire in a 2-epoch
# schedule whose loss still falls. alpha 'auto' keeps the loss at the size of CE at the switch. The per-pixel
# feature is the L2-normalised embedding (the classifier's input); its L1 norm enters the influence term.
_base_ = './_base_/picie_mnv2-fpn_camvid.py'

model = dict(loss_decode=dict(_delete_=True, type='libra_plugin.IBFocalLoss', alpha='auto', gamma=1.0))
custom_hooks = [
    dict(type='libra_plugin.PiCIEClusterHook', batch_size=16, init_batches=10),
    dict(type='libra_plugin.IBLossHook', switch='epoch', at=1),
]
