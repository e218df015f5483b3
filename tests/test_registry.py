"""The plugin's scope resolves from mmdet and mmseg configs and leaves their own names untouched."""
import subprocess
import sys

import pytest


def _run(code: str) -> str:
    return subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True).stdout


def test_scoped_type_resolves_without_import():
    # a fresh interpreter where nothing imported libra_plugin: mmengine imports libra_plugin.registry by itself
    out = _run('from mmdet.registry import MODELS, TASK_UTILS\n'
               'from mmdet.utils import register_all_modules\n'
               'register_all_modules()\n'
               'print(MODELS.get("libra_plugin.BFP").__module__)\n'
               'print(TASK_UTILS.get("libra_plugin.IoUBalancedNegSampler").__module__)\n'
               'from mmseg.registry import MODELS as SEG\n'
               'print(SEG.get("libra_plugin.BalancedL1Loss").__module__)\n')
    assert out.split() == ['libra_plugin.models.necks.bfp',
                           'libra_plugin.models.task_modules.samplers.iou_balanced_neg_sampler',
                           'libra_plugin.models.losses.balanced_l1_loss']


def test_custom_imports_registers_plugin():
    out = _run('from mmengine.config import Config\n'
               'cfg = Config(dict(custom_imports=dict(imports=["libra_plugin"], allow_failed_imports=False)))\n'
               'from mmengine.utils import import_modules_from_strings\n'
               'import_modules_from_strings(**cfg.custom_imports)\n'
               'import libra_plugin.registry as r\n'
               'print(sorted(r.MODELS.module_dict), sorted(r.TASK_UTILS.module_dict))\n')
    assert "'BFP'" in out and "'BalancedL1Loss'" in out and "'IoUBalancedNegSampler'" in out


def test_stock_names_unchanged():
    from mmdet.models.losses import BalancedL1Loss as MMDetBalancedL1Loss
    from mmdet.models.necks import BFP as MMDetBFP
    from mmdet.registry import MODELS, TASK_UTILS
    from mmdet.utils import register_all_modules

    import libra_plugin  # noqa: F401
    register_all_modules()
    assert MODELS.get('BFP') is MMDetBFP
    assert MODELS.get('BalancedL1Loss') is MMDetBalancedL1Loss
    assert TASK_UTILS.get('IoUBalancedNegSampler').__module__.startswith('mmdet.')


def test_mmdet_libra_config_builds_the_same_model():
    import torch
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    from mmengine.hub import get_config
    cfg = get_config('mmdet::libra_rcnn/libra-faster-rcnn_r50_fpn_1x_coco.py')
    cfg.model.backbone.init_cfg = None

    def build():
        torch.manual_seed(0)
        return MODELS.build(cfg.model)

    before = build()
    import libra_plugin  # noqa: F401
    after = build()
    assert type(before.neck[1]) is type(after.neck[1]) and type(after.neck[1]).__module__ == 'mmdet.models.necks.bfp'
    sd_a, sd_b = before.state_dict(), after.state_dict()
    assert sd_a.keys() == sd_b.keys()
    assert all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a)


def test_typo_in_scoped_name_is_reported():
    from mmdet.registry import MODELS
    with pytest.raises(KeyError, match='BFPP'):
        MODELS.build(dict(type='libra_plugin.BFPP', in_channels=8, num_levels=2))
