"""The CPU process group: set up from the launcher's environment, torn down at the end of a run."""
import socket

import torch.distributed as torch_dist
from mmengine.config import Config

from libra_plugin.cli.launch import finish_distributed, setup_cpu_distributed


def test_cpu_group_is_set_up_and_torn_down(monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = str(s.getsockname()[1])
    for key, value in dict(MASTER_ADDR='127.0.0.1', MASTER_PORT=port, RANK='0', WORLD_SIZE='1',
                           LOCAL_RANK='0').items():
        monkeypatch.setenv(key, value)
    cfg = Config(dict(launcher='pytorch'))
    assert setup_cpu_distributed(cfg)
    try:
        assert torch_dist.is_initialized() and torch_dist.get_backend() == 'gloo'
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg.device_ids is None and cfg.model_wrapper_cfg.broadcast_buffers is False
    finally:
        finish_distributed()
    assert not torch_dist.is_initialized()  # left to the exit, gloo's threads can abort the process
    finish_distributed()  # no group: nothing to do


def test_no_launcher_no_group():
    assert not setup_cpu_distributed(Config(dict(launcher='none')))
    assert not torch_dist.is_initialized()
