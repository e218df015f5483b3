# Two settings that make a CPU training iteration of the aquarium ablation cheaper with the same computation
# (outputs and gradients equal to float rounding; docs/benchmarks.md, tests/engine/test_torch_roi_align_hook.py,
# tests/configs/test_ablation_configs.py):
#   * mmengine's efficient_conv_bn_eval: each backbone conv and its BatchNorm in eval mode (norm_eval: frozen
#     statistics) as one convolution with the folded weight, so the BatchNorm's forward and backward passes go;
#   * libra_plugin.TorchRoIAlignHook: mmcv's single-threaded CPU RoIAlign replaced by the plugin's torch one.
# Configs add `custom_hooks = {{_base_.cpu_speed_hooks}}` (ChannelsLastHook kept).
efficient_conv_bn_eval = ['backbone']
cpu_speed_hooks = [dict(type='libra_plugin.ChannelsLastHook'), dict(type='libra_plugin.TorchRoIAlignHook')]
