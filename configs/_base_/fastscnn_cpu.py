# Fast-SCNN (mmseg) from scratch with BatchNorm, no auxiliary heads, on CamVid at 240 x 180: CPU-sized runs.
_base_ = ['mmseg::_base_/models/fast_scnn.py', './camvid_cpu.py', 'mmseg::_base_/default_runtime.py']

norm_cfg = dict(type='BN', requires_grad=True, momentum=0.01)
model = dict(
    data_preprocessor=dict(size_divisor=32),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(norm_cfg=norm_cfg, num_classes=11,
                     loss_decode=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0)),
    auxiliary_head=None)

max_iters = 1000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, by_epoch=False, begin=100, end=max_iters),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='libra_plugin.ResumableCheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2))
randomness = dict(seed=0)
