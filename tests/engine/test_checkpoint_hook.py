"""ResumableCheckpointHook's parts: atomic writes, completeness, the checkpoint to resume from, random states."""
import os
import os.path as osp
import random

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.model import BaseModel
from mmengine.runner import Runner

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


class _Toy(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        return dict(loss=out.pow(2).mean()) if mode == 'loss' else list(out)


class _Rising(BaseMetric):
    """A score that improves at every validation, so every validation writes a new best checkpoint."""
    calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        _Rising.calls += 1
        return dict(acc=float(_Rising.calls))


def test_writes_complete_files_before_any_deletion_through_mmengines_own_hook(tmp_path, monkeypatch):
    """mmengine's ``CheckpointHook`` methods run unchanged; this checks the two file operations the hook relies on
    still go where it intercepts them. Every checkpoint arrives by a rename of a complete ``.tmp``, and every
    deletion (the oldest periodic one, the previous best) comes after the rename of its replacement."""
    events = []
    replace, remove = os.replace, LocalBackend.remove
    monkeypatch.setattr(os, 'replace', lambda a, b: (events.append(('write', osp.basename(b))), replace(a, b)))
    monkeypatch.setattr(LocalBackend, 'remove', lambda self, p: (events.append(('delete', osp.basename(p))),
                                                                 remove(self, p)))
    data = [dict(inputs=torch.randn(2), data_samples=0) for _ in range(4)]
    loader = dict(dataset=data, sampler=dict(type='DefaultSampler', shuffle=False), batch_size=2,
                  collate_fn=dict(type='pseudo_collate'))
    runner = Runner(model=_Toy(), work_dir=str(tmp_path), train_dataloader=loader, val_dataloader=loader,
                    val_evaluator=[_Rising()], optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                    train_cfg=dict(by_epoch=False, max_iters=6, val_interval=2), val_cfg=dict(),
                    default_hooks=dict(checkpoint=dict(type=ResumableCheckpointHook, by_epoch=False, interval=2,
                                                       max_keep_ckpts=1, save_best='acc', rule='greater')),
                    experiment_name='toy', default_scope='mmengine')
    runner.train()
    names = sorted(n for n in os.listdir(tmp_path) if n.endswith('.pth') or n.endswith('.tmp'))
    assert names == ['best_acc_iter_6.pth', 'iter_6.pth']
    assert all(is_complete(str(tmp_path / n)) for n in names)
    deleted = [name for kind, name in events if kind == 'delete']
    assert {'iter_2.pth', 'iter_4.pth', 'best_acc_iter_2.pth', 'best_acc_iter_4.pth'} <= set(deleted)
    for i, (kind, name) in enumerate(events):
        if kind == 'delete':  # its successor (the next step of the same kind) is already written in full
            prefix, step = name.rsplit('_', 1)[0], int(name.rsplit('_', 1)[1][:-4])
            assert ('write', f'{prefix}_{step + 2}.pth') in events[:i], (name, events)


def test_corrupted_bytes_and_a_copied_work_dir(tmp_path):  # ids: checkpoint-corrupted, checkpoint-copied-work-dir
    work, copy = tmp_path / 'a', tmp_path / 'b'
    work.mkdir()
    torch.save({'w': torch.arange(1000.)}, work / 'iter_2.pth')
    torch.save({'w': torch.arange(1000.)}, work / 'iter_4.pth')
    data = bytearray(open(work / 'iter_4.pth', 'rb').read())
    data[len(data) // 2] ^= 0xFF  # a flipped byte inside a tensor: the zip's directory is intact
    open(work / 'iter_4.pth', 'wb').write(bytes(data))
    assert not is_complete(str(work / 'iter_4.pth')) and is_complete(str(work / 'iter_2.pth'))
    assert latest_complete_checkpoint(str(work)) == str(work / 'iter_2.pth')
    import shutil
    shutil.copytree(work, copy)  # branching an experiment: last_checkpoint still names the original folder
    atomic_write(str(work / 'iter_2.pth').encode(), str(copy / 'last_checkpoint'))
    assert latest_complete_checkpoint(str(copy)) == str(copy / 'iter_2.pth')
