"""The report writer: statistics by hand on tiny records, interactions, and every committed study re-rendered
byte-identical from its results.json alone."""
import glob
import os.path as osp
import shutil

import pytest

from libra_plugin.cli.report import interactions, render, rerender

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPEC = dict(name='tiny', title='two losses', metrics=[['aAcc', 'aAcc', 1.0], ['mIoU', 'mIoU', 1.0]],
            order=['ce', 'ib'], baselines={'ib': 'ce'}, interactions=[])


def _run(seed, acc, miou, name='ce', t=60.0, resumed=False):
    return dict(name=name, seed=seed, train_s=t, resumed=resumed, metrics=dict(aAcc=acc, mIoU=miou))


def test_means_paired_differences_and_holm():
    runs = [_run(0, 80.0, 30.0), _run(1, 82.0, 32.0), _run(0, 81.0, 33.0, 'ib'), _run(1, 83.0, 34.0, 'ib', 120.0),
            _run(2, 70.0, 20.0, 'ce', 600.0, resumed=True)]
    text = render(SPEC, runs)
    # the resumed run's time is left out of the mean (1.0 min), its metrics are in (3 seeds)
    assert '| ce | 3 | 77.3 ± 6.4 | 27.3 ± 6.4 | 1.0 ± 0.0 min |' in text
    assert '| ib | 2 | 82.0 ± 1.4 | 33.5 ± 0.7 | 1.5 ± 0.7 min |' in text
    # differences 1, 1 (aAcc: all equal, an interval of zero width, no t-test, no mark) and 3, 2 (mIoU: mean 2.5,
    # t(0.975, 1) = 12.706, sd/sqrt(2) = 0.5); sign-flip p of two pairs of one sign: 2/4
    assert '| ib | ce | 2 | +1.0 [+1.0, +1.0] p_sf 0.5 | +2.5 [-3.9, +8.9] p_sf 0.5 |' in text
    assert 'over the family of the 1 paired t-tests of this table (1 configs x 2 metrics, each against its baseline)' \
        in text
    assert '| ce | 2 | 70.0 | 20.0 | 10.0 min (resumed) |' in text  # every run


def test_interaction_is_the_combined_difference_minus_the_parts():
    spec = dict(SPEC, metrics=[['AP', 'AP', 1.0]], order=['base', 'a', 'b', 'ab'], baselines={},
                interactions=[dict(name='a x b', baseline='base', parts=['a', 'b'], combined='ab')])
    values = dict(base=[10, 12, 11], a=[11, 13, 12], b=[12, 13, 13], ab=[12, 14, 13])
    runs = [dict(name=n, seed=s, train_s=None, metrics=dict(AP=float(v[s]))) for n, v in values.items()
            for s in range(3)]
    row, = interactions(spec, runs)
    # per seed: (ab - base) - (a - base) - (b - base) = 2 - 1 - 2, 2 - 1 - 1, 2 - 1 - 2 = -1, 0, -1
    assert row['diff']['AP']['mean'] == pytest.approx(-2 / 3)
    assert '| a x b | ab | a + b | 3 | -0.7 [-2.1, +0.8] p_sf 0.5 |' in render(spec, runs)


def test_another_baseline(tmp_path):
    src = tmp_path / 'r'
    shutil.copytree(osp.join(REPO, 'results', 'lovasz_car'), src)
    text = rerender(str(src / 'results.json'), baseline='fastscnn_camvid-car_lovasz-ce', out_dir=str(tmp_path / 'o'))
    # CE against hinge + CE: the negative of the recorded +19.7 [+12.5, +26.9]
    assert '| fastscnn_camvid-car_ce | fastscnn_camvid-car_lovasz-ce | 5 |' in text and '-19.7 [-26.9, -12.5]*' in text
    with pytest.raises(ValueError, match="--baseline 'nosuch' is not a config of"):
        rerender(str(src / 'results.json'), baseline='nosuch', out_dir=str(tmp_path / 'o'))


COMMITTED = sorted(glob.glob(osp.join(REPO, 'results', '**', 'results.json'), recursive=True))


@pytest.mark.parametrize('path', COMMITTED, ids=[osp.relpath(osp.dirname(p), REPO) for p in COMMITTED])
def test_committed_reports_rerender_identically(path, tmp_path):
    """Every recorded study's report is what its results.json gives (the writer, not a hand edit, made it)."""
    rerender(path, out_dir=str(tmp_path))
    for name in ('results.md', 'results_per_class.md'):
        if osp.isfile(osp.join(osp.dirname(path), name)):
            with open(osp.join(osp.dirname(path), name)) as a, open(tmp_path / name) as b:
                assert b.read() == a.read(), name


def test_differences_of_differences_against_another_experiment():
    spec = dict(SPEC, metrics=[['AP', 'AP', 1.0]], order=['b', 'p'], baselines={'p': 'b'},
                compare=dict(experiment='old', pairs={'b': 'B', 'p': 'P'}))
    runs = [dict(name=n, seed=s, train_s=None, metrics=dict(AP=float(v)))
            for n, vals in (('b', [10, 11, 12]), ('p', [12, 12, 15])) for s, v in enumerate(vals)]
    ref = [dict(name=n, seed=s, train_s=None, metrics=dict(AP=float(v)))
           for n, vals in (('B', [9, 9, 9]), ('P', [10, 9, 10])) for s, v in enumerate(vals)]
    # per seed: (12 - 10) - (10 - 9) = 1, (12 - 11) - (9 - 9) = 1, (15 - 12) - (10 - 9) = 2: mean 4/3, sd 0.577
    assert '| p | P | 3 | +1.3 [-0.1, +2.8] p_sf 0.25 |' in render(spec, runs, ref)
    assert 'Differences of differences' not in render(spec, runs)  # no reference runs: no such table
