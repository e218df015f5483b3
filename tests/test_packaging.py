"""The wheel carries the configs and tools, and a pip-installed package trains from them (no source tree)."""
import os
import os.path as osp
import subprocess
import sys
import zipfile

import pytest

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """The project built as a wheel and installed (no dependencies) into a directory of its own."""
    tmp = tmp_path_factory.mktemp('pkg')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w',
                    str(tmp / 'dist'), ROOT], check=True, capture_output=True)
    wheel = next((tmp / 'dist').glob('libra_plugin-*.whl'))
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', str(tmp / 'site'),
                    str(wheel)], check=True, capture_output=True)
    return wheel, tmp / 'site', tmp


def _run(site, cwd, *args):
    env = dict(os.environ, PYTHONPATH=str(site))  # before the editable install of the source tree
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_wheel_contents(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {osp.relpath(osp.join(d, f), ROOT) for d, _, fs in os.walk(osp.join(ROOT, 'configs'))
               for f in fs if f.endswith('.py')}
    assert len(shipped) > 20
    assert {'libra_plugin/.mim/' + p for p in shipped} <= names
    assert {'libra_plugin/.mim/tools/' + t for t in ('train.py', 'test.py', 'dist_train.sh')} <= names
    assert 'libra_plugin/.mim/model-index.yml' in names
    info = next(n for n in names if n.endswith('.dist-info/entry_points.txt'))
    entry = zipfile.ZipFile(wheel).read(info).decode()
    assert 'libra-train = libra_plugin.cli.main:train' in entry
    license_file = next(n for n in names if n.endswith('/LICENSE'))
    assert 'Apache License' in zipfile.ZipFile(wheel).read(license_file).decode()[:200]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith('METADATA'))).decode()
    assert 'Requires-Dist: mmdet<3.4,>=3.2.0' in metadata
    assert 'Requires-Dist: mmcv<2.2.0,>=2.1.0; extra == "mim"' in metadata  # as mmdet declares it
    assert 'Author: libra_plugin contributors' in metadata and 'Keywords: computer vision' in metadata
    assert not any(n.endswith(('setup_env.sh', 'run_experiments.sh')) for n in names)  # development scripts
    assert any(n.endswith('/NOTICE') for n in names)
    assert "Requires-Dist: faster-coco-eval>=1.6; extra == \"fast-eval\"" in metadata
    assert 'Classifier: License :: OSI Approved :: Apache Software License' in metadata
    assert 'Project-URL: Libra R-CNN paper, https://arxiv.org/abs/1904.02701' in metadata


def test_installed_package_runs_its_tools_and_configs(installed):
    _, site, tmp = installed
    (tmp / 'user.py').write_text("_base_ = 'libra_plugin::libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py'\n"
                                 "train_cfg = dict(max_iters=2)\n")
    out = _run(site, tmp, '-c', 'import libra_plugin\n'
               'from mmengine.config import Config\n'
               'cfg = Config.fromfile("user.py")\n'
               'print(libra_plugin.__file__)\n'
               'print(cfg.model.type, cfg.model.backbone.type, cfg.train_cfg.max_iters, cfg.default_scope)\n')
    assert out.returncode == 0, out.stderr
    path, model = out.stdout.strip().splitlines()[-2:]
    assert path.startswith(str(site)) and model.split() == ['FasterRCNN', 'MobileNetV2', '2', 'mmdet']

    configs = _run(site, tmp, '-m', 'libra_plugin', 'configs')
    assert configs.stdout.strip() == osp.join(str(site), 'libra_plugin', '.mim', 'configs')
    out = _run(site, tmp, '-m', 'libra_plugin', 'run', '--help')
    assert out.returncode == 0 and '--seeds' in out.stdout, out.stderr[-2000:]
    bad = _run(site, tmp, '-m', 'libra_plugin', 'trian')
    assert bad.returncode != 0 and "unknown command 'trian'; choose from" in bad.stderr


@pytest.mark.parametrize('base,layout', [('libra_rcnn/faster-rcnn_mnv2_fpn_1k_aquarium.py', 'aquarium'),
                                         ('ib_focal/fastscnn_camvid_ce.py', 'camvid')])
def test_installed_package_trains_a_user_config_on_a_shipped_base(installed, base, layout):
    """``_base_ = 'libra_plugin::...'`` (the README's example) trains from the wheel with ``libra-train``'s module:
    the base's mmdet / mmseg types resolve in the config's default scope, not the plugin's."""
    from dry_run import write_camvid, write_coco_detection
    _, site, tmp = installed
    data = tmp / layout
    if layout == 'aquarium':
        write_coco_detection(str(data), ('fish', 'jellyfish', 'penguin', 'puffin', 'shark', 'starfish', 'stingray'),
                             dict(train=('annotations/train.json', 'images/'), val=('annotations/val.json', 'images/')),
                             size=(384, 288))
        env = 'AQUARIUM_ROOT'
    else:
        write_camvid(str(data), size=(240, 180))
        env = 'CAMVID_ROOT'
    loaders = ''.join(f"{k}_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)\n"
                      for k in ('train', 'val', 'test'))
    name = f'user_{layout}.py'
    (tmp / name).write_text(f"_base_ = 'libra_plugin::{base}'\n" + loaders +
                            'train_cfg = dict(max_iters=2, val_interval=2)\n'
                            'default_hooks = dict(checkpoint=dict(interval=2))\n')
    out = subprocess.run([sys.executable, '-m', 'libra_plugin', 'train', name, '--work-dir', str(tmp / layout / 'w')],
                         cwd=tmp, env=dict(os.environ, PYTHONPATH=str(site), **{env: str(data) + '/'}),
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert 'Saving checkpoint at 2 iterations' in out.stdout + out.stderr
