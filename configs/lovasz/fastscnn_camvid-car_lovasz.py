# Binary CamVid (car vs rest), Lovász hinge alone on the two-channel head's margin.
_base_ = './fastscnn_camvid-car_ce.py'

model = dict(decode_head=dict(loss_decode=dict(_delete_=True, type='libra_plugin.LovaszHingeLoss')))
