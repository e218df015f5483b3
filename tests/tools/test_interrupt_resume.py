"""A training killed with SIGKILL resumes from its last complete checkpoint and ends where an uninterrupted run
ends; a checkpoint cut off mid-write is never resumed from."""
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

from libra_plugin.engine import latest_complete_checkpoint

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET = osp.join(REPO, 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py')
SEG = osp.join(REPO, 'configs', 'ib_focal', 'fastscnn_camvid_ibfocal.py')
OPTS = ['--cfg-options', 'train_cfg.max_iters=6', 'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2',
        'default_hooks.checkpoint.max_keep_ckpts=1', 'default_hooks.logger.interval=1', 'train_dataloader.batch_size=2',
        'train_dataloader.persistent_workers=False', 'randomness.seed=0', 'randomness.deterministic=True']
SEG_OPTS = ['custom_hooks.0.at=1']  # IB focal from iteration 2: the kill and the resume are in the IB phase


def train(work, env, resume=False, config=DET, workers=1):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir', work] + (['--resume'] if resume else []) + OPTS
    cmd += [f'train_dataloader.num_workers={workers}']
    cmd += SEG_OPTS if config == SEG else ['param_scheduler.1.milestones=[3,5]']  # the LR steps within the run
    return subprocess.Popen(cmd, cwd=REPO, env=dict(os.environ, **env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(proc):
    out = proc.communicate(timeout=600)[0]
    assert proc.returncode == 0, out[-3000:]
    return out


@pytest.mark.parametrize('task,workers', [('det', 1), ('seg', 1), ('det', 0)])
def test_sigkill_then_resume_matches_uninterrupted(tmp_path, request, task, workers):
    """With workers, mmengine's skip of the trained batches is exact; without, the data are loaded in this process
    and the skip must not draw from the restored random generators (only the sampler advances)."""
    if task == 'det':
        config, env = DET, dict(SHAPES_ROOT=request.getfixturevalue('shapes_root'))
    else:
        config, env = SEG, dict(CAMVID_ROOT=request.getfixturevalue('camvid_root'))
    ref_dir, work = str(tmp_path / 'ref'), str(tmp_path / 'killed')
    finish(train(ref_dir, env, config=config, workers=workers))

    proc = train(work, env, config=config, workers=workers)
    for line in proc.stdout:  # kill during iteration 3, after iter_2.pth is complete
        if 'Iter(train) [3/6]' in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert sorted(f for f in os.listdir(work) if f.endswith('.pth')) == ['iter_2.pth']

    out = finish(train(work, env, resume=True, config=config, workers=workers))
    assert 'resumed epoch: 0, iter: 2' in out and 'Iter(train) [3/6]' in out and 'Iter(train) [2/6]' not in out
    ref = torch.load(osp.join(ref_dir, 'iter_6.pth'), map_location='cpu', weights_only=False)
    got = torch.load(osp.join(work, 'iter_6.pth'), map_location='cpu', weights_only=False)
    for key, value in ref['state_dict'].items():  # model
        assert torch.equal(got['state_dict'][key], value), key
    for a, b in zip(ref['optimizer']['state'].values(), got['optimizer']['state'].values()):  # optimizer
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert ref['param_schedulers'] == got['param_schedulers']  # scheduler
    hub_ref, hub_got = ref['message_hub']['runtime_info'], got['message_hub']['runtime_info']
    assert hub_got['iter'] == hub_ref['iter'] == 5 and hub_got['keep_ckpt_ids'] == hub_ref['keep_ckpt_ids'] == [6]
    if task == 'seg':  # the IB switch: restored, not redone
        assert 'switching from CE to IB focal' not in out and hub_got['ib_switch_iter'] == hub_ref['ib_switch_iter'] == 1
    for key in ('train/loss', 'train/lr'):  # message hub: iterations 1-2 restored, 3-6 redone
        ref_hist = ref['message_hub']['log_scalars'][key]._log_history
        assert len(ref_hist) == 6 and (got['message_hub']['log_scalars'][key]._log_history == ref_hist).all()
    assert sorted(f for f in os.listdir(work) if f.endswith('.pth')) == ['iter_6.pth']  # max_keep_ckpts=1


def test_truncated_checkpoint_is_skipped(tmp_path, shapes_root):
    work = str(tmp_path / 'work')
    finish(train(work, dict(SHAPES_ROOT=shapes_root)))
    with open(osp.join(work, 'iter_6.pth'), 'rb') as f:
        data = f.read()
    os.rename(osp.join(work, 'iter_6.pth'), osp.join(work, 'iter_4.pth'))  # a complete older one
    with open(osp.join(work, 'iter_6.pth'), 'wb') as f:  # cut off mid-write, and named by last_checkpoint
        f.write(data[:len(data) // 2])
    assert latest_complete_checkpoint(work) == osp.join(work, 'iter_4.pth')
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write('')  # emptied mid-write
    assert latest_complete_checkpoint(work) == osp.join(work, 'iter_4.pth')
    out = finish(train(work, dict(SHAPES_ROOT=shapes_root), resume=True))
    assert 'resumed epoch: 0, iter: 6' in out  # iter_4.pth holds the state of iteration 6 (renamed above)
