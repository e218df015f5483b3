"""Every named experiment that still trains is made by today's configs from the settings its records were made
from: a config edit that changed a recorded run is caught here, not by a refused ``run`` (or a silent retrain)."""
import os.path as osp

import pytest

from libra_plugin.cli.experiment import Run, same_config
from libra_plugin.cli.experiments import EXPERIMENTS

from conftest import SHARED_DATA

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LIVE = [name for name, exp in EXPERIMENTS.items() if not exp.frozen]


@pytest.mark.slow
@pytest.mark.parametrize('name', LIVE)
def test_recorded_runs_match_todays_configs(name, monkeypatch, tmp_path):
    exp = EXPERIMENTS[name]
    data = SHARED_DATA.rstrip('/') + '/'
    if exp.coco and not osp.isdir(osp.join(data, exp.coco['root'])):
        pytest.skip(f'{exp.coco["root"]} is not at {data}')
    monkeypatch.chdir(REPO)
    checked = 0
    for config, seed in exp.runs():
        run = Run(exp, config, seed, data, {})
        record = run.record()
        if record is not None:
            assert same_config(record['config_text'], run.text), run.record_path
            checked += 1
    assert checked or not osp.isdir(osp.join(REPO, 'results', name)), f'{name}: records found, none checked'


def test_frozen_experiments_say_why():
    for name, exp in EXPERIMENTS.items():
        assert exp.frozen is None or len(exp.frozen) > 30, name
