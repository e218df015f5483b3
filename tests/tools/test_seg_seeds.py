"""tools/seg_seeds.py: seeds of two seg configs through tools/train.py, the report, and resumption."""
import json
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
from seg_seeds import report  # noqa: E402

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

OPTS = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False', 'train_dataloader.dataset.indices=4',
        'val_dataloader.dataset.indices=2']


def _run(seed, acc, miou, name='ce', t=60.0):
    return dict(name=name, seed=seed, train_s=t, metrics=dict(aAcc=acc, mIoU=miou))


def test_report_means_and_paired_differences():
    runs = [_run(0, 80.0, 30.0), _run(1, 82.0, 32.0), _run(0, 81.0, 33.0, 'ib'), _run(1, 83.0, 34.0, 'ib', 120.0)]
    text = report(runs, ['aAcc', 'mIoU'], 'ce')
    assert '| ce | 2 | 81.0 ± 1.4 | 31.0 ± 1.4 | 1.0 ± 0.0 min |' in text
    assert '| ib | 2 | 82.0 ± 1.4 | 33.5 ± 0.7 | 1.5 ± 0.7 min |' in text
    # differences 1, 1 (aAcc: all equal, an interval of zero width, no t-test, no mark) and 3, 2 (mIoU: mean 2.5,
    # t(0.975, 1) = 12.706, sd/sqrt(2) = 0.5); sign-flip p of two pairs of one sign: 2/4
    assert '| ib | ce | 2 | +1.0 [+1.0, +1.0] p_sf 0.5 | +2.5 [-3.9, +8.9] p_sf 0.5 |' in text
    assert 'Holm–Bonferroni over the family of the 1 paired t-tests of this table (1 configs x 2 metrics against ce)' \
        in text


def test_two_configs_then_nothing_repeated(tmp_path, camvid_root, run_tool):
    """End to end with one seed (the statistics over seeds are the test above)."""
    configs = [osp.join(REPO, 'configs', 'seg', f'fastscnn_camvid-car_{n}.py') for n in ('ce', 'lovasz')]
    cmd = ['tools/seg_seeds.py', *configs, '--seeds', '3', '--work-dir', str(tmp_path), '--metrics', 'aAcc',
           'mIoU', 'IoU.car', '--cfg-options', *OPTS]
    out = run_tool(cmd, CAMVID_ROOT=camvid_root)
    assert out.count(': training') == 2 and '| fastscnn_camvid-car_lovasz | fastscnn_camvid-car_ce | 1 |' in out
    with open(tmp_path / 'results.json') as f:
        runs = json.load(f)['runs']
    assert [(r['name'][-6:], r['seed']) for r in runs] == [('car_ce', 3), ('lovasz', 3)]
    assert all(0 <= r['metrics']['mIoU'] <= 100 and 0 <= r['metrics']['IoU.car'] <= 100 for r in runs)  # per class
    assert '(seed=3' in open(tmp_path / 'fastscnn_camvid-car_ce' / 'seed3' / 'prepared_config.py').read()
    out = run_tool(cmd, CAMVID_ROOT=camvid_root)
    assert out.count('done before, not repeated') == 2 and ': training' not in out
