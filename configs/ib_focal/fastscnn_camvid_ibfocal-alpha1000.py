# The collapse study: as fastscnn_camvid_ibfocal.py, with the IB paper's fixed alpha = 1000 instead of 'auto' (which
# keeps the loss at the size of CE at the switch).
_base_ = './fastscnn_camvid_ibfocal.py'

model = dict(decode_head=dict(loss_decode=dict(alpha=1000.0)))
