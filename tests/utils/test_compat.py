import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

import libra_plugin  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_resume_style_checkpoint_loads_with_weights_only(tmp_path):
    # what mmengine's Runner writes: message hub with HistoryBuffer, numpy values in meta
    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_info('iter', 3)
    ckpt = dict(meta=dict(seed=np.int64(3), iter=3, message_hub=hub.state_dict(), ratio=np.float32(0.5),
                          arr=np.arange(3)),
                state_dict={'w': torch.ones(2)}, optimizer={'state': {}, 'param_groups': []})
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)  # torch >= 2.6 default: what breaks mmengine 0.10.7's resume
    loaded = _load_checkpoint(str(path), map_location='cpu')
    assert isinstance(loaded['meta']['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
    assert loaded['meta']['seed'] == 3 and torch.equal(loaded['state_dict']['w'], torch.ones(2))


class Evil:
    def __reduce__(self):
        return (getattr, (np.ndarray, 'tofile'))  # getattr is only served for HistoryBuffer's statistics methods


def test_untrusted_globals_still_refused(tmp_path):
    for obj in (pickle.dumps, Evil()):
        path = tmp_path / 'evil.pth'
        torch.save({'obj': obj}, path)
        with pytest.raises((pickle.UnpicklingError, RuntimeError)):
            _load_checkpoint(str(path), map_location='cpu')


def test_missing_file_message(tmp_path):
    with pytest.raises(FileNotFoundError, match='can not be found'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))


def test_pkg_bases_load_without_pkg_resources(monkeypatch):
    """setuptools >= 82 has no pkg_resources, which mmengine 0.10.7 imports to find mmdet::/mmseg:: bases; with the
    plugin imported they load through importlib.metadata (and without the patch they fail: the wiring)."""
    import sys

    import mmengine.config.config as config_module
    from mmengine.config import Config

    from libra_plugin.utils import compat
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)  # import pkg_resources -> ModuleNotFoundError
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'libra_faster_rcnn.py'))  # over mmdet::faster_rcnn/...
    assert cfg.model.type == 'FasterRCNN'
    assert compat._get_installed_path('mmsegmentation').endswith('mmseg')  # distribution and module names differ
    assert compat._is_installed('mmdet') and not compat._is_installed('no-such-package-here')
    import importlib

    import mmengine.utils.package_utils as package_utils
    importlib.reload(package_utils)  # mmengine's own lookups again
    try:
        monkeypatch.setattr(config_module, 'is_installed', package_utils.is_installed)
        monkeypatch.setattr(config_module, 'get_installed_path', package_utils.get_installed_path)
        with pytest.raises(ModuleNotFoundError, match='pkg_resources'):
            Config.fromfile(osp.join(REPO, 'configs', 'libra_faster_rcnn.py'))
    finally:
        compat.patch_package_lookup()
