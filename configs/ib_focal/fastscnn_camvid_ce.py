# 11-class CamVid, cross-entropy: the baseline of fastscnn_camvid_ibfocal.py.
_base_ = '../_base_/fastscnn_cpu.py'
