# The aquarium CPU ablation's schedule stretched to 3000 iterations: the same 50-iteration warm-up, the rate divided
# by 10 at the same fractions of the schedule as the 1000-iteration configs (75 % and 90 %), checkpoints at the half.
# One key, so that it can sit beside a complete config in _base_; the configs copy its parts (see the 3k configs).
schedule_3k = dict(
    train_cfg=dict(max_iters=3000, val_interval=3000),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
        dict(type='MultiStepLR', by_epoch=False, begin=0, end=3000, milestones=[2250, 2700], gamma=0.1),
    ],
    default_hooks=dict(checkpoint=dict(interval=1500)))
