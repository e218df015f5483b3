# GPU: DeepLabV3+ R-50, 11-class CamVid, cross-entropy (baseline of deeplabv3plus_r50_camvid_ibfocal.py).
_base_ = '../_base_/deeplabv3plus_r50_camvid.py'
