"""The multi-run tools' bookkeeping: finished runs kept, checkpoints resumed only under the config they were
trained with."""
import json
import os

from libra_plugin.cli import records


def test_a_finished_run_counts_only_for_its_config(tmp_path):
    work = str(tmp_path)
    assert records.finished_run(work, 'a = 1') is None
    records.save_run(work, dict(metrics={'mIoU': 1.0}, config_text='a = 1'))
    assert os.listdir(work) == ['run.json']  # written atomically: no temporary left
    assert records.finished_run(work, 'a = 1')['metrics'] == {'mIoU': 1.0}
    assert records.finished_run(work, 'a = 2') is None
    (tmp_path / 'run.json').write_text('{"cut off')
    assert records.finished_run(work, 'a = 1') is None


def test_checkpoints_resume_only_under_the_same_config(tmp_path):
    work = str(tmp_path)
    assert records.start_training(work, 'a = 1') is False  # nothing to resume
    (tmp_path / 'last_checkpoint').write_text('iter_2.pth')
    assert records.start_training(work, 'a = 1') is True
    assert records.start_training(work, 'a = 2') is False  # another config's checkpoints: set aside
    assert not (tmp_path / 'last_checkpoint').exists()
    assert (tmp_path / 'prepared_config.txt').read_text() == 'a = 2'


def test_a_run_from_before_records_resumes_under_its_config(tmp_path):
    (tmp_path / 'last_checkpoint').write_text('iter_2.pth')
    (tmp_path / 'run.json').write_text(json.dumps(dict(config_text='a = 1\n# evaluated: x.pth\n')))
    assert records.start_training(str(tmp_path), 'a = 1') is True


def write_scalars(work, stamp, rows):
    os.makedirs(os.path.join(work, stamp, 'vis_data'))
    with open(os.path.join(work, stamp, 'vis_data', 'scalars.json'), 'w') as f:
        f.writelines(json.dumps(row) + '\n' for row in rows)


def losses(first, last, tag):
    return [dict(loss=1.0, step=s, tag=tag) for s in range(first, last + 1, 20)]


def test_training_rows_keep_the_training_that_made_the_checkpoints(tmp_path):
    work = str(tmp_path)
    assert records.training_rows(work) == []
    # killed at 640 after the checkpoint and validation (logged by epoch: step 0) at 500, resumed from 500
    write_scalars(work, '20260101_000000', losses(20, 500, 'a') + [dict(mAP=0.1, step=0)] + losses(520, 640, 'a'))
    write_scalars(work, '20260101_010000', losses(520, 1000, 'b') + [dict(mAP=0.2, step=0)])
    rows = records.training_rows(work)
    assert [r['step'] for r in rows if 'loss' in r] == list(range(20, 1001, 20))  # 520-640 once, from the resume
    assert {r['tag'] for r in rows if 'loss' in r and r['step'] > 500} == {'b'}
    assert [r['mAP'] for r in rows if 'mAP' in r] == [0.1, 0.2]
    # the config changed: trained again from scratch; the earlier training's rows are left out
    write_scalars(work, '20260101_020000', losses(20, 200, 'c') + [dict(mAP=0.3, step=200)])
    rows = records.training_rows(work)
    assert [(r.get('tag'), r['step']) for r in rows] == [('c', s) for s in range(20, 201, 20)] + [(None, 200)]
