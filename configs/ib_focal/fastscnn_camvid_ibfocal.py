# 11-class CamVid: cross-entropy for the first half of the schedule, then the per-pixel influence-balanced focal
# loss (class weights from the training labels, alpha set at the switch), as the IB authors switch half-way.
# switch='loss_min' instead switches when the smoothed training loss stops improving (the rule of the PiCIE + IB focal write-up).
_base_ = '../_base_/fastscnn_cpu.py'

model = dict(decode_head=dict(loss_decode=dict(_delete_=True, type='libra_plugin.IBFocalLoss', class_weight='auto')))
custom_hooks = [dict(type='libra_plugin.IBLossHook', switch='iter', at=500)]
