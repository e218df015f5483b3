# GPU: DeepLabV3+ R-50, binary CamVid (car vs rest), Lovász hinge + cross-entropy on the decode head.
_base_ = './deeplabv3plus_r50_camvid-car_ce.py'

model = dict(
    decode_head=dict(loss_decode=[dict(type='libra_plugin.LovaszHingeLoss'),
                                  dict(type='CrossEntropyLoss', loss_weight=1.0)]))
