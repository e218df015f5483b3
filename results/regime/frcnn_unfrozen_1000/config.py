# The learning-regime point on aquarium val (docs/benchmarks.md): the shipped ablation baseline (every backbone stage
# trained at a tenth of the heads' AdamW rate, the 384-px counts, channels-last, 1000 iterations with the rate
# divided by 10 at 750 and 900), validated at 500 and 1000 iterations, seed 0. Run before those settings went into
# configs/ablation/ (as overrides of the earlier frozen baseline; the model, data and schedule are the same).
_base_ = '../../../../configs/ablation/faster-rcnn_mnv2-fpn.py'

train_cfg = dict(val_interval=500)
randomness = dict(seed=0)
