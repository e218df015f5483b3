# The collapse study: as fastscnn_camvid_ibfocal.py, without class weights (w_c = 1: the influence term alone).
_base_ = './fastscnn_camvid_ibfocal.py'

model = dict(decode_head=dict(loss_decode=dict(class_weight_power=0.0)))
