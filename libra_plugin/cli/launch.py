"""Distributed training without CUDA: what mmengine's launchers assume and how we meet it on CPU.

mmengine's ``pytorch`` and ``slurm`` launchers call ``torch.cuda.set_device`` and default to NCCL, and its
runner wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; on a machine without CUDA all three fail. When
CUDA is absent, :func:`setup_cpu_distributed` initialises a gloo process group itself from the launcher's
environment (torchrun's ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``/``MASTER_PORT``, or slurm's ``SLURM_*``), so
the runner finds the group ready and skips its own initialisation, and wraps the model in DDP without
``device_ids``. With CUDA nothing changes.
"""
import datetime
import logging
import os
import subprocess
import sys

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def _slurm_env() -> None:
    """torchrun's variables from slurm's, as mmengine's slurm launcher sets them."""
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def setup_cpu_distributed(cfg: Config) -> bool:
    """Initialise a gloo process group for ``cfg.launcher`` when there is no CUDA; True if it did."""
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    if launcher == 'slurm':
        _slurm_env()
    elif launcher != 'pytorch':
        raise ValueError(f"launcher={launcher!r} needs CUDA; on CPU use 'pytorch' (tools/dist_train.sh) or 'slurm'")
    timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
    torch_dist.init_process_group('gloo', init_method='env://', timeout=datetime.timedelta(seconds=timeout))
    env_cfg = cfg.get('env_cfg') or {}
    cfg.env_cfg = dict(env_cfg, dist_cfg=dict(env_cfg.get('dist_cfg') or {}, backend='gloo'))
    wrapper = dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                   find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None  # a CPU module: DDP refuses device ids
    cfg.model_wrapper_cfg = wrapper
    return True


def finish_distributed(exit_process: bool = False) -> None:
    """Tear the process group down once every rank is done (a no-op without one); with ``exit_process``, end
    the process here, exit status 0, past the interpreter's shutdown.

    Left to the interpreter's exit, a gloo group's threads can be destroyed while still joinable and the process
    aborts (``terminate called without an active exception``, SIGABRT) after a run that finished well: the
    launcher then reports the whole job as failed. The barrier keeps a fast rank from tearing down first.
    Destroying the group is not enough once a DDP wrapper was built: its references keep the group alive into
    the interpreter's shutdown, where the abort still comes (torch 2.13 on CPU: a two-process DDP script that
    destroys its group aborted after printing its last line in 3 of 60 exits, 0 of 40 with ``os._exit``). The
    tools pass ``exit_process`` for the group they set up on CPU, after the runner's ``after_run`` hooks have
    closed its visualizer; the streams and the log files are flushed first. With CUDA (NCCL, set up by
    mmengine) nothing changes."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
    if exit_process:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
