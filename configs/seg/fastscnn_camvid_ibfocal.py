# 11-class CamVid: cross-entropy until the smoothed training loss stops improving, then the per-pixel
# influence-balanced focal loss (class weights from the training labels, alpha set at the switch).
_base_ = './_base_/fastscnn_cpu.py'

model = dict(decode_head=dict(loss_decode=dict(_delete_=True, type='libra_plugin.IBFocalLoss', class_weight='auto')))
custom_hooks = [dict(type='libra_plugin.IBLossHook', switch='loss_min', patience=200)]
