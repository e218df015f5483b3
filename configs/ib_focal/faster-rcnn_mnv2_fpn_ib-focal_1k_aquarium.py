# The aquarium ablation's Faster R-CNN with the influence-balanced focal loss in its bbox head: cross-entropy for the
# first half of the 1000 iterations, then IB focal over the sampled RoIs (C + 1 softmax classes, the background last),
# class weights from aquarium train's boxes (1 / n_c, the background 1), alpha set at the switch so that the loss keeps
# its size. h is the input of the head's fc_cls, captured by IBLossHook.
_base_ = '../libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py'

model = dict(roi_head=dict(bbox_head=dict(loss_cls=dict(
    _delete_=True, type='libra_plugin.IBFocalLoss', alpha='auto', gamma=1.0, class_weight='auto'))))
custom_hooks = [dict(type='libra_plugin.ChannelsLastHook'),  # the base's two, then the switch
                dict(type='libra_plugin.TorchRoIAlignHook'),
                dict(type='libra_plugin.IBLossHook', switch='iter', at=500)]
