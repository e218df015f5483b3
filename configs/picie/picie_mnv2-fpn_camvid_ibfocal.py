# PiCIE with CE, switched to IB focal after the epoch where the mean training loss stopped falling (the IB focal
# paper's method 2); alpha 'auto' keeps the loss at the size of CE at the switch. The per-pixel feature is the
# L2-normalised embedding (the classifier's input); its L1 norm enters the influence term.
_base_ = './_base_/picie_mnv2-fpn_camvid.py'

model = dict(loss_decode=dict(_delete_=True, type='libra_plugin.IBFocalLoss', alpha='auto', gamma=1.0))
custom_hooks = [
    dict(type='libra_plugin.PiCIEClusterHook', batch_size=16, init_batches=10),
    dict(type='libra_plugin.IBLossHook', switch='epoch_loss_min'),
]
