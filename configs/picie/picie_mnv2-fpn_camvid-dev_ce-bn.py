# One change over picie_mnv2-fpn_camvid-dev_ce.py, chosen on the development split: the backbone's BatchNorm
# trained (norm_eval=False), as the authors train their ResNet-18's (their model is in train mode throughout
# training); the clustering passes still embed in eval mode (running statistics).
_base_ = './picie_mnv2-fpn_camvid-dev_ce.py'

model = dict(backbone=dict(norm_eval=False))
