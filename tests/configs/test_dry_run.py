"""Every shipped config runs its own pipeline, dataset class, data loader, loops, hooks and evaluator: two training
iterations and one validation through mmengine's Runner, on data generated in the config's own layout at its real
image size (tests/dry_run.py says what a dry run changes, in one place). Also run: ``make test-configs``."""
import os.path as osp

import pytest
from dry_run import (CONFIGS, shipped_configs, small_changes, write_camvid, write_coco_detection,
                     write_cocostuff)

pytestmark = pytest.mark.slow  # trains

AQUARIUM = ('fish', 'jellyfish', 'penguin', 'puffin', 'shark', 'starfish', 'stingray')
# config (or folder prefix) -> data layout
LAYOUTS = {'libra_faster_rcnn.py': 'coco', 'libra_retinanet.py': 'coco', 'libra_rpn.py': 'coco',
           'ablation/': 'aquarium', 'demo/libra_faster_rcnn_r18_coco128.py': 'coco128',
           'demo/libra_faster_rcnn_r18_shapes.py': 'shapes', 'picie/picie_mnv2-fpn_camvid': 'camvid',
           'picie/picie_r18-fpn_cocostuff27.py': 'cocostuff', 'seg/': 'camvid'}


def layout_of(config: str) -> str:
    return next(v for k, v in LAYOUTS.items() if config.startswith(k))


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """Each layout's data, written once: (environment variables, the data root a config names itself or None)."""
    from mmdet.datasets import CocoDataset

    from libra_plugin.datasets import make_shapes_coco
    made = {}

    def get(layout):
        if layout in made:
            return made[layout]
        root = str(tmp_path_factory.mktemp(layout)) + '/'
        coco = CocoDataset.METAINFO['classes']
        if layout == 'coco':  # mmdet's data/coco layout, COCO's 80 classes, 640 x 480 images
            write_coco_detection(root, coco, dict(train=('annotations/instances_train2017.json', 'train2017/'),
                                                  val=('annotations/instances_val2017.json', 'val2017/')))
            made[layout] = ({}, root, 'data/coco/')
        elif layout == 'coco128':
            write_coco_detection(root, coco, dict(train=('annotations/instances_train96.json', 'train2017/'),
                                                  val=('annotations/instances_val32.json', 'train2017/')))
            made[layout] = (dict(COCO128_ROOT=root), root, None)
        elif layout == 'aquarium':  # Roboflow's aquarium at its 1024 x 768
            write_coco_detection(root, AQUARIUM, dict(train=('annotations/train.json', 'images/'),
                                                      val=('annotations/val.json', 'images/')), size=(1024, 768))
            made[layout] = (dict(AQUARIUM_ROOT=root), root, None)
        elif layout == 'shapes':
            make_shapes_coco(root, num_train=4, num_val=4, size=256, seed=1)
            made[layout] = (dict(SHAPES_ROOT=root), root, None)
        elif layout == 'camvid':
            write_camvid(root)
            made[layout] = (dict(CAMVID_ROOT=root), root, None)
        else:
            write_cocostuff(root)
            made[layout] = (dict(COCOSTUFF_ROOT=root), root, None)
        return made[layout]

    return get


def test_every_shipped_config_has_a_layout():
    assert len(shipped_configs()) >= 30
    for config in shipped_configs():
        assert any(config.startswith(k) for k in LAYOUTS), f'{config}: no dry-run data layout for it'


@pytest.mark.parametrize('config', shipped_configs())
def test_dry_run(config, data, tmp_path, monkeypatch):
    from mmengine.config import Config
    from mmengine.runner import Runner

    import libra_plugin  # noqa: F401
    from libra_plugin.cli.preflight import check_data_files
    env, root, default_root = data(layout_of(config))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    small_changes(cfg, root, default_root)
    cfg.work_dir = str(tmp_path)
    cfg.default_hooks.logger.interval = 1
    check_data_files(cfg)  # the tools' preflight accepts the fixture
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2, f'{config}: {runner.iter} training iterations'
    scalars = runner.message_hub.log_scalars
    assert any(k.startswith('val/') for k in scalars), f'{config}: no validation metric logged: {sorted(scalars)}'
