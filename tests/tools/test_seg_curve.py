"""tools/seg_curve.py: per-epoch mean ± std over seeds and the paired difference with the floor, from the runs'
scalars.json (a resumed run's later rows replace earlier ones of the same step)."""
import json
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools'))
from seg_curve import main, seeds_of  # noqa: E402


def _run(root, config, seed, stamp, rows):
    path = root / config / f'seed{seed}' / stamp / 'vis_data'
    path.mkdir(parents=True)
    (path / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in rows) + '\n')


def test_curve_against_the_floor(tmp_path, capsys):
    for seed, (a, b) in enumerate([(60.0, 20.0), (62.0, 22.0)]):
        _run(tmp_path, 'ce', seed, '20260101_000000', [dict(step=1, Acc=a, mIoU=b), dict(loss=1.0, step=5),
                                                       dict(step=2, Acc=0.0, mIoU=0.0)])
        _run(tmp_path, 'ce', seed, '20260102_000000', [dict(step=2, Acc=a + 4, mIoU=b + 1)])  # resumed: replaces
        _run(tmp_path, 'floor', seed, '20260101_000000', [dict(step=1, Acc=50.0 + seed, mIoU=21.0)])
    assert seeds_of(str(tmp_path), 'ce')[1][2]['Acc'] == 66.0
    out = str(tmp_path / 'curve')
    main([str(tmp_path), '--config', 'ce', '--floor', 'floor', '--metrics', 'Acc', 'mIoU', '--out', out])
    text = capsys.readouterr().out
    # step 1: Acc 60, 62 -> 61.0 ± 1.4; vs floor 50, 51: differences 10, 11 -> +10.5, sign-flip p 2/4
    assert '| 1 | 2 | 61.0 ± 1.4 | 21.0 ± 1.4 | +10.5 [+4.1, +16.9]* p_sf 0.5 | 0.0 [-12.7, +12.7] p_sf 1 |' in text
    assert '| 2 | 2 | 65.0 ± 1.4 | 22.0 ± 1.4 | +14.5 [' in text
    assert '| floor | 2 | 50.5 ± 0.7 | 21.0 ± 0.0 |' in text
    assert osp.exists(out + '.md') and osp.exists(out + '.png')
