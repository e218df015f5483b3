"""The plugin's scope resolves from mmdet and mmseg configs and leaves their own names untouched."""
import subprocess
import sys

import pytest


def _run(code: str) -> str:
    return subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
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


@pytest.mark.slow
def test_custom_imports_registers_plugin():
    out = _run('from mmengine.config import Config\n'
               'cfg = Config(dict(custom_imports=dict(imports=["libra_plugin"], allow_failed_imports=False)))\n'
               'from mmengine.utils import import_modules_from_strings\n'
               'import_modules_from_strings(**cfg.custom_imports)\n'
               'import libra_plugin.registry as r\n'
               'print(sorted(r.MODELS.module_dict), sorted(r.TASK_UTILS.module_dict))\n')
    assert "'BFP'" in out and "'BalancedL1Loss'" in out and "'IoUBalancedNegSampler'" in out


@pytest.mark.slow
def test_custom_imports_resolves_plain_names_from_mmdet_and_mmseg():
    # the route a user's config takes: custom_imports, then the runner's default scope and mmengine's root registry
    out = _run('from mmengine.config import Config\n'
               'from mmengine.utils import import_modules_from_strings\n'
               'from mmengine.registry import DATASETS, HOOKS, MODELS, init_default_scope\n'
               'cfg = Config(dict(custom_imports=dict(imports=["libra_plugin"], allow_failed_imports=False)))\n'
               'import_modules_from_strings(**cfg.custom_imports)\n'
               'for scope in ("mmseg", "mmdet"):\n'
               '    init_default_scope(scope)\n'
               '    with HOOKS.switch_scope_and_registry(None) as hooks, \\\n'
               '            DATASETS.switch_scope_and_registry(None) as datasets:\n'
               '        print(type(MODELS.build(dict(type="LovaszHingeLoss"))).__module__,\n'
               '              type(MODELS.build(dict(type="IBFocalLoss"))).__module__,\n'
               '              hooks.get("IBLossHook").__module__, datasets.get("CamVidDataset").__module__)\n')
    rows = [line.split() for line in out.strip().splitlines()]
    assert rows == [['libra_plugin.models.losses.lovasz_loss', 'libra_plugin.models.losses.ib_focal_loss',
                     'libra_plugin.engine.ib_loss_hook', 'libra_plugin.datasets.camvid']] * 2


@pytest.mark.slow
def test_plain_names_cover_all_but_upstream_owned():
    out = _run('import libra_plugin, libra_plugin.registry as r\n'
               'from mmdet.utils import register_all_modules as det\n'
               'from mmseg.utils import register_all_modules as seg\n'
               'det(init_default_scope=False); seg(init_default_scope=False)  # imports all of theirs: no clash\n'
               'import mmdet.registry as D, mmseg.registry as S\n'
               'for pkg, up in (("mmdet", D), ("mmseg", S)):\n'
               '    for kind in r.KINDS:\n'
               '        for name, cls in getattr(r, kind).module_dict.items():\n'
               '            got = getattr(up, kind).module_dict[name]\n'
               '            print(pkg, kind, name, got is cls, got.__module__.split(".")[0])\n')
    rows = [line.split() for line in out.strip().splitlines()]
    assert len(rows) > 30
    from libra_plugin.registry import UPSTREAM_OWNED
    for pkg, kind, name, ours, owner in rows:
        owned = name in UPSTREAM_OWNED.get((pkg, kind), ())
        assert (ours, owner) == (('False', pkg) if owned else ('True', 'libra_plugin')), (pkg, kind, name)


@pytest.mark.slow
def test_plain_upstream_name_logs_once():
    out = subprocess.run(
        [sys.executable, '-c',
         'import libra_plugin\n'
         'from mmengine.logging import MMLogger\n'
         'MMLogger.get_instance("t", log_level="INFO")\n'
         'from mmdet.registry import MODELS\n'
         'for _ in range(2):\n'
         '    print(type(MODELS.build(dict(type="BFP", in_channels=8, num_levels=2, refine_level=1))).__module__)\n'
         'print(type(MODELS.build(dict(type="libra_plugin.BFP", in_channels=8, num_levels=2, refine_level=1))).__module__)\n'],
        check=True, capture_output=True, text=True)
    built = [line for line in out.stdout.splitlines() if line.startswith(('mmdet.', 'libra_plugin.'))]
    assert built == ['mmdet.models.necks.bfp'] * 2 + ['libra_plugin.models.necks.bfp']
    log = out.stdout + out.stderr
    line = "type='BFP' built mmdet's mmdet.models.necks.bfp.BFP; type='libra_plugin.BFP' selects libra_plugin's"
    assert log.count(line) == 1


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


def test_missing_mmcv_ops_is_an_error_naming_the_install_command():  # id: mmcv-missing
    import subprocess
    import sys
    out = subprocess.run([sys.executable, '-c', "import sys; sys.modules['mmcv.ops'] = None; import libra_plugin"],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert ('ImportError: libra_plugin needs mmcv 2.1 with its compiled ops (mmdet 3.3 and mmseg 1.2 refuse mmcv '
            '>= 2.2): install a build for your torch with `mim install "mmcv>=2.1.0,<2.2.0"`') in out.stderr
