"""Shared fixtures: the real datasets, in the folder ``LIBRA_SHARED_DATA`` names, else ``data/`` of the clone, else a
``shared/data`` folder beside the clone (tests that need one skip when it is absent)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = os.environ.get('LIBRA_SHARED_DATA') or next(
    (d for d in (osp.join(REPO, 'data'), osp.join(REPO, '..', 'shared', 'data'))
     if osp.isdir(osp.join(d, 'coco128')) or osp.isdir(osp.join(d, 'camvid'))), osp.join(REPO, 'data'))


def _shared(name: str, marker: str) -> str:
    """``SHARED_DATA/name`` when ``marker`` exists under it; the test is skipped otherwise."""
    root = osp.join(SHARED_DATA, name)
    if not osp.exists(osp.join(root, marker)):
        pytest.skip(f'{name} not found at {root} (set LIBRA_SHARED_DATA)')
    return root + '/'


@pytest.fixture(scope='session')
def coco128_root() -> str:
    return _shared('coco128', 'annotations/instances_val32.json')


@pytest.fixture(scope='session')
def aquarium_root() -> str:
    return _shared('aquarium', 'annotations/val.json')


@pytest.fixture(scope='session')
def camvid_root() -> str:
    return _shared('camvid', 'trainannot')


@pytest.fixture(scope='session')
def shapes_root(tmp_path_factory) -> str:
    """A tiny shapes dataset (16 train / 8 val images of 128 px), written once per session."""
    from libra_plugin.datasets import make_shapes_coco
    root = str(tmp_path_factory.mktemp('shapes')) + '/'
    make_shapes_coco(root, num_train=16, num_val=8, size=128, seed=1)
    return root


@pytest.fixture(scope='session')
def run_tool():
    """Run ``python <args>`` from the repository root with extra environment variables; returns its output."""

    def run(args, **env):
        proc = subprocess.run([sys.executable] + list(args), cwd=REPO, env=dict(os.environ, **env),
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout + proc.stderr

    return run


@pytest.fixture
def mmseg_scope():
    """Build with mmseg's registries for the test, then restore the default scope (other tests build mmdet's)."""
    from mmengine.registry import DefaultScope
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield
