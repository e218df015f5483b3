"""Learning curves against a floor: per step, paired by seed with the floor's final value, unmarked."""
from libra_plugin.cli.report import write
from libra_plugin.cli.report_curves import curve_rows, render_curves

SPEC = dict(name='toy', title='', metrics=[['mIoU', 'mIoU', 1.0]], order=['trained', 'floor'], baselines={},
            interactions=[], floor='floor')


def _runs():
    floor = [dict(name='floor', seed=s, metrics=dict(mIoU=v), curves=dict(loss=[], val=[dict(step=1, mIoU=v)]))
             for s, v in ((0, 20.0), (1, 22.0), (2, 30.0))]
    # seed s gains (step) * (s + 1) over its own floor: paired differences 1, 2, 3 at step 1 and 2, 4, 6 at step 2
    trained = [dict(name='trained', seed=s, metrics=dict(mIoU=f['metrics']['mIoU'] + 2 * (s + 1)),
                    curves=dict(loss=[], val=[dict(step=k, mIoU=f['metrics']['mIoU'] + k * (s + 1)) for k in (1, 2)]))
               for s, f in enumerate(floor)]
    return trained + floor


def test_differences_are_paired_with_the_floor_of_the_same_seed():
    rows = curve_rows(SPEC, _runs(), 'trained')
    assert [r['step'] for r in rows] == [1, 2] and [r['seeds'] for r in rows] == [3, 3]
    level, diff = rows[1]['cells']['mIoU']
    assert abs(level['mean'] - (22 + 26 + 36) / 3) < 1e-9
    assert abs(diff['mean'] - 4.0) < 1e-9 and abs(diff['std'] - 2.0) < 1e-9  # 2, 4, 6: paired by seed


def test_the_table_is_unmarked_and_written_beside_the_report(tmp_path):
    text = render_curves(SPEC, _runs())
    assert '| 2 | 3 | 28.0 ± 7.2 | +4.0 [-1.0, +9.0] p_sf 0.25 |' in text  # no mark, even uncorrected
    assert '*' not in text.split('floor (floor)')[0]
    write(SPEC, _runs(), str(tmp_path))
    assert (tmp_path / 'curves_vs_floor.md').read_text() == text
    assert (tmp_path / 'curves_vs_floor.png').is_file()
    spec = dict(SPEC)
    del spec['floor']
    write(spec, _runs(), str(tmp_path / 'plain'))
    assert not (tmp_path / 'plain' / 'curves_vs_floor.md').exists()
