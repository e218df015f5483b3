"""A plain pip environment, as a user makes one: a new venv with torch, the cached mmcv wheel and the plugin's
wheel with its ``mim`` extra (pip picks mmengine, mmdet, mmseg; nobody pins setuptools, so torch's setuptools >= 82
leaves no ``pkg_resources``). A user config over a ``libra_plugin::`` base trains two iterations with
``libra-train``; with openmim installed, ``mim search`` finds the model index and ``mim train`` trains the same
config through the package's tools."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # builds a virtual environment

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
USER_CONFIG = """_base_ = 'libra_plugin::demo/libra_faster_rcnn_r18_shapes.py'
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2))
train_dataloader = dict(num_workers=0, persistent_workers=False)
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
"""


def _mmcv_wheel():
    import torch
    cache = os.environ.get('LIBRA_WHEEL_CACHE', osp.join(os.environ.get('XDG_CACHE_HOME', osp.expanduser(
        '~/.cache')), 'libra_plugin', 'wheels'))
    tag = f'torch{torch.__version__}-py{sys.version_info[0]}{sys.version_info[1]}'
    found = glob.glob(osp.join(cache, tag, 'mmcv-2.1.0-*.whl'))
    if not found:
        pytest.skip(f'no cached mmcv wheel in {osp.join(cache, tag)} (tools/setup_env.sh builds it)')
    return found[0], torch.__version__.split('+')[0]


def _run(args, cwd, check=True, **env):
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=dict(os.environ, **env))
    if check and proc.returncode:
        raise AssertionError(f'{" ".join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def test_a_plain_pip_venv_loads_trains_and_serves_mim(tmp_path):
    mmcv, torch_version = _mmcv_wheel()
    _run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', str(tmp_path / 'dist'),
          ROOT], ROOT)
    plugin = next((tmp_path / 'dist').glob('libra_plugin-*.whl'))
    _run([sys.executable, '-m', 'venv', str(tmp_path / 'venv')], tmp_path)
    bin_dir = tmp_path / 'venv' / 'bin'
    py = str(bin_dir / 'python')
    pip = [py, '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    local = _run([py, '-m', 'pip', 'download', '-q', '--no-deps', '--no-index', '-d', str(tmp_path / 'torch'),
                  f'torch=={torch_version}'], tmp_path, check=False)
    if local.returncode:  # the registry's torch for Linux is the CUDA build, gigabytes with its libraries
        pytest.skip(f'torch {torch_version} has no local wheel in pip\'s find-links here')
    _run(pip + [next((tmp_path / 'torch').glob('torch-*.whl'))], tmp_path)
    _run(pip + [mmcv], tmp_path)
    _run(pip + [f'{plugin}[mim]'], tmp_path)
    missing = _run([py, '-c', 'import pkg_resources'], tmp_path, check=False)
    assert 'No module named' in missing.stderr  # the condition under test: mmengine's lookups cannot use it

    work = tmp_path / 'user'
    work.mkdir()
    (work / 'user.py').write_text(USER_CONFIG)
    _run([py, '-c', "from libra_plugin.datasets import make_shapes_coco; "
                    "make_shapes_coco('data/shapes', num_train=8, num_val=4, size=128, seed=0)"], work)
    out = _run([str(bin_dir / 'libra-train'), 'user.py', '--work-dir', 'pip_run'], work)
    assert (work / 'pip_run' / 'iter_2.pth').is_file(), out.stdout[-2000:]
    (work / 'stock.py').write_text("_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'\n")
    stock = "from mmengine.config import Config; import libra_plugin; print(Config.fromfile('stock.py').model.type)"
    assert _run([py, '-c', stock], work).stdout.strip().endswith('RetinaNet')  # a stock mmdet:: base loads too

    _run(pip + ['openmim'], tmp_path)
    found = _run([str(bin_dir / 'mim'), 'search', 'libra_plugin'], work).stdout
    assert 'config id: libra-faster-rcnn_r50_fpn_1x_coco' in found and 'configs/picie/' in found
    _run([str(bin_dir / 'mim'), 'train', 'libra_plugin', 'user.py', '--work-dir', 'mim_run'], work)
    assert (work / 'mim_run' / 'iter_2.pth').is_file()
