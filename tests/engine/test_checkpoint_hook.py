"""ResumableCheckpointHook's parts: atomic writes, completeness, the checkpoint to resume from, random states."""
import os
import random

import numpy as np
import torch
from mmengine.hooks import CheckpointHook

from libra_plugin.engine import ResumableCheckpointHook, latest_complete_checkpoint
from libra_plugin.engine.checkpoint_hook import atomic_write, is_complete, random_states, set_random_states
from libra_plugin.utils.compat import load_from_local


def test_atomic_write_leaves_no_temporary(tmp_path):
    path = str(tmp_path / 'sub' / 'f.bin')
    atomic_write(b'abc', path)
    atomic_write(b'defg', path)
    assert open(path, 'rb').read() == b'defg' and os.listdir(tmp_path / 'sub') == ['f.bin']


def test_latest_complete_checkpoint(tmp_path):
    work = str(tmp_path)
    assert latest_complete_checkpoint(work) is None
    for n in (2, 4, 10):
        torch.save({'n': n}, f'{work}/iter_{n}.pth')
    data = open(f'{work}/iter_10.pth', 'rb').read()
    open(f'{work}/iter_10.pth', 'wb').write(data[:-30])  # the newest, cut off
    assert is_complete(f'{work}/iter_4.pth') and not is_complete(f'{work}/iter_10.pth')
    assert latest_complete_checkpoint(work) == f'{work}/iter_4.pth'
    atomic_write(f'{work}/iter_2.pth'.encode(), f'{work}/last_checkpoint')
    assert latest_complete_checkpoint(work) == f'{work}/iter_2.pth'  # what last_checkpoint names, if complete


def test_random_states_round_trip_through_a_safe_load(tmp_path):
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    state = random_states()
    torch.save(dict(random_state=state), tmp_path / 'c.pth')
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    random.seed(2)
    np.random.seed(2)
    torch.manual_seed(2)
    set_random_states(load_from_local(str(tmp_path / 'c.pth'))['random_state'])  # weights_only=True, as on resume
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected


def test_is_a_checkpoint_hook_with_its_arguments():
    hook = ResumableCheckpointHook(interval=5, by_epoch=False, max_keep_ckpts=-1, save_random_state=False)
    assert isinstance(hook, CheckpointHook) and hook.interval == 5 and not hook.save_random_state
