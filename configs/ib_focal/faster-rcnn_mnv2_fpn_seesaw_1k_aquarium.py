# The aquarium ablation's Faster R-CNN with mmdet's Seesaw loss, the long-tail baseline of the IB focal row, set as in
# mmdet's LVIS configs (configs/seesaw_loss: p 0.8, q 2.0, a NormedLinear classifier with temperature 20), scaled to
# aquarium's 7 classes.
_base_ = '../libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py'

model = dict(roi_head=dict(bbox_head=dict(
    cls_predictor_cfg=dict(type='NormedLinear', tempearture=20),  # mmdet's spelling
    loss_cls=dict(_delete_=True, type='SeesawLoss', p=0.8, q=2.0, num_classes=7, loss_weight=1.0))))
