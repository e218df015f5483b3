# A development variant of faster-rcnn_mnv2_fpn_ib-focal_1k_aquarium.py: the switch to IB focal at 750 iterations (the
# first learning-rate decay) instead of 500; compared on aquarium val (docs/studies/ib_detection.md).
_base_ = './faster-rcnn_mnv2_fpn_ib-focal_1k_aquarium.py'

custom_hooks = [dict(type='libra_plugin.ChannelsLastHook'),  # the base's two, then the switch
                dict(type='libra_plugin.TorchRoIAlignHook'),
                dict(type='libra_plugin.IBLossHook', switch='iter', at=750)]
