# PiCIE with softmax focal loss, gamma 2 (the IB focal paper's method 1).
_base_ = './_base_/picie_mnv2-fpn_camvid.py'

model = dict(loss_decode=dict(_delete_=True, type='libra_plugin.SoftmaxFocalLoss', gamma=2.0))
