# Binary CamVid (car vs rest): cross-entropy for the first half (500 iterations), then Lovász hinge + CE, the Lovász
# authors' recipe (CE first, Lovász to fine-tune; LovaszSoftmax#5); a control of fastscnn_camvid-car_lovasz-ce.py.
_base_ = './fastscnn_camvid-car_lovasz-ce.py'

model = dict(
    decode_head=dict(loss_decode=[dict(type='libra_plugin.SwitchedLoss', loss=dict(type='libra_plugin.LovaszHingeLoss')),
                                  dict(type='CrossEntropyLoss', loss_weight=1.0)]))
custom_hooks = [dict(type='libra_plugin.LossSwitchHook', switch='iter', at=500)]
