"""The CPU process group: set up from the launcher's environment, torn down at the end of a run."""
import os
import socket
import subprocess
import sys

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


def test_exit_process_ends_past_the_interpreter_shutdown(tmp_path):
    # what a CPU tool does after its run: output flushed, status 0, no interpreter shutdown (atexit never runs)
    code = ('import atexit, logging, logging.handlers, sys\n'
            'from libra_plugin.cli.launch import finish_distributed\n'
            'atexit.register(lambda: print("shutdown ran"))\n'
            'buffered = logging.handlers.MemoryHandler(100, target=logging.FileHandler(sys.argv[1]))\n'
            'logging.basicConfig(handlers=[buffered], level=logging.INFO, format="%(message)s")\n'
            'logging.info("logged")\n'
            'print("printed", end="")\n'
            'finish_distributed(exit_process=True)\n'
            'print("after")\n')
    log = str(tmp_path / 'run.log')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONUNBUFFERED'}  # stdout buffered, as in a pipe
    proc = subprocess.run([sys.executable, '-c', code, log], capture_output=True, text=True, timeout=120, env=env)
    assert (proc.returncode, proc.stdout) == (0, 'printed'), proc.stderr
    assert open(log).read() == 'logged\n'
