# The collapse study: as fastscnn_camvid_ibfocal.py, with milder class weights w_c ∝ n_c^-0.5 (instead of 1/n_c).
_base_ = './fastscnn_camvid_ibfocal.py'

model = dict(decode_head=dict(loss_decode=dict(class_weight_power=0.5)))
