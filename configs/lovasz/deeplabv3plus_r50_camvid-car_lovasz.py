# GPU: DeepLabV3+ R-50, binary CamVid (car vs rest), Lovász hinge on the decode head.
_base_ = './deeplabv3plus_r50_camvid-car_ce.py'

model = dict(decode_head=dict(loss_decode=dict(_delete_=True, type='libra_plugin.LovaszHingeLoss')))
