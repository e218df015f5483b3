# The development split for PiCIE's choices (schedule, K, resolution, BatchNorm): the CamVid train folder split by
# file name (CamVidDataset dev_split): its first 300 images (0001TP, 0006R0, 0016E5 up to 0016E5_06390) train, its
# last 67 (0016E5_06420 ... 0016E5_08640) are the development evaluation. CamVid val is never looked at for a
# choice. Validated after every epoch: the learning curve of the authors' metric (fresh clustering of the
# un-augmented training images, then the Hungarian-matched score).
_base_ = './picie_mnv2-fpn_camvid_ce.py'

train_dataloader = dict(dataset=dict(dev_split='train'))
val_dataloader = dict(dataset=dict(data_prefix=dict(img_path='train', seg_map_path='trainannot'), dev_split='dev'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=10, val_interval=1)  # the curve the schedule was chosen from
