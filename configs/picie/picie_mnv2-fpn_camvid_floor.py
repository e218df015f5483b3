# The floor of the PiCIE table: the ImageNet features and the first k-means, no learning. One epoch at learning
# rate 0 (the backbone's BatchNorm is frozen by norm_eval and the decoder has none, so nothing changes), then the
# validation scores the centroids clustered before that epoch. Same seed, same views and same first clustering as
# picie_mnv2-fpn_camvid_ce.py.
_base_ = './picie_mnv2-fpn_camvid_ce.py'

train_cfg = dict(max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(lr=0))
