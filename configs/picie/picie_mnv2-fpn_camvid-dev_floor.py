# The floor on the development split (see picie_mnv2-fpn_camvid-dev_ce.py): one epoch at learning rate 0, then the
# same evaluation protocol (fresh clustering of the un-augmented training images with the ImageNet weights).
_base_ = './picie_mnv2-fpn_camvid-dev_ce.py'

train_cfg = dict(max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(lr=0))
