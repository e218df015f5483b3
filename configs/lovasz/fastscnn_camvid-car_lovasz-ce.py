# Binary CamVid (car vs rest), Lovász hinge + cross-entropy, as the Lovász authors recommend.
_base_ = './fastscnn_camvid-car_ce.py'

model = dict(
    decode_head=dict(loss_decode=[dict(type='libra_plugin.LovaszHingeLoss'),
                                  dict(type='CrossEntropyLoss', loss_weight=1.0)]))
