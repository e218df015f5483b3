# Libra RetinaNet: + balanced feature pyramid (refined at the first of its levels) + Balanced L1 (beta 0.11).
_base_ = './retinanet_mnv2_fpn_gn-head_2k_aquarium.py'

model = dict(
    neck=[
        dict(type='FPN', in_channels={{_base_.backbone_channels}}, out_channels={{_base_.fpn_channels}}, start_level=1,
             add_extra_convs='on_input', num_outs=5),
        dict(type='libra_plugin.BFP', in_channels={{_base_.fpn_channels}}, num_levels=5, refine_level=1, refine_type='non_local'),
    ],
    bbox_head=dict(loss_bbox=dict(
        _delete_=True, type='libra_plugin.BalancedL1Loss', alpha=0.5, gamma=1.5, beta=0.11, loss_weight=1.0)))
