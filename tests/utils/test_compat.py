import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

import libra_plugin  # noqa: F401


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
