# GPU: DeepLabV3+ R-50, 11-class CamVid, CE for the first half, then per-pixel IB focal loss on the decode head.
_base_ = '../_base_/deeplabv3plus_r50_camvid.py'

model = dict(decode_head=dict(loss_decode=dict(_delete_=True, type='libra_plugin.IBFocalLoss', class_weight='auto')))
custom_hooks = [dict(type='libra_plugin.IBLossHook', switch='iter', at=10000)]
