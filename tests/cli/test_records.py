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
