# The aquarium ablation's RetinaNet (GroupNorm head, 2000 iterations) with the influence-balanced loss in its sigmoid
# form: mmdet's focal loss (gamma 2, alpha 0.25) for the first half, then each anchor's focal loss divided by its
# influence ||sigmoid(x) - y||_1 ||h||_1, h the input of retina_cls at the anchor's location (the anchors of a
# location share it), class weights from aquarium train's boxes (background anchors 1), alpha set at the switch.
# The switch here is at 1000 (half); aquarium val chose 1500: retinanet_mnv2_fpn_ib-focal-at1500_2k_aquarium.py.
_base_ = '../libra_rcnn/retinanet_mnv2_fpn_gn-head_2k_aquarium.py'

model = dict(bbox_head=dict(loss_cls=dict(
    _delete_=True, type='libra_plugin.IBFocalLoss', use_sigmoid=True, gamma=2.0, focal_alpha=0.25, alpha='auto',
    class_weight='auto')))
custom_hooks = [dict(type='libra_plugin.ChannelsLastHook'),  # the base's two, then the switch
                dict(type='libra_plugin.TorchRoIAlignHook'),
                dict(type='libra_plugin.IBLossHook', switch='iter', at=1000)]
