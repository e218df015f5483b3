# RetinaNet, focal -> IB focal at 1500 iterations (the first learning-rate decay): the switch point chosen on aquarium
# val over 1000 (retinanet_mnv2_fpn_ib-focal_2k_aquarium.py), AP rare3 5.9 against 4.3 (docs/studies/ib_detection.md).
_base_ = './retinanet_mnv2_fpn_ib-focal_2k_aquarium.py'

custom_hooks = [dict(type='libra_plugin.ChannelsLastHook'),  # the base's two, then the switch
                dict(type='libra_plugin.TorchRoIAlignHook'),
                dict(type='libra_plugin.IBLossHook', switch='iter', at=1500)]
