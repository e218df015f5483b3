# + balanced feature pyramid (non-local refinement at level 2), as Libra Faster R-CNN.
_base_ = './faster-rcnn_mnv2_fpn_1k_aquarium.py'

model = dict(neck=[
    dict(type='FPN', in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}, num_outs=5),
    dict(type='libra_plugin.BFP', in_channels={{_base_.fpn_channels}}, num_levels=5, refine_level=2, refine_type='non_local'),
])
