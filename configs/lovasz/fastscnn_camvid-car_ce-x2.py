# Binary CamVid (car vs rest), cross-entropy at twice the weight: the loss mass of hinge + CE without the hinge (a
# control of fastscnn_camvid-car_lovasz-ce.py).
_base_ = './fastscnn_camvid-car_ce.py'

model = dict(decode_head=dict(loss_decode=dict(loss_weight=2.0)))
