# PiCIE with its cross-entropy (cluster-size weighted, mean of the four view/centroid terms).
_base_ = './_base_/picie_mnv2-fpn_camvid.py'
