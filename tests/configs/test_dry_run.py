"""Every shipped config runs its own pipeline, dataset class, data loader, loops, hooks and evaluator: two
training iterations and one validation through mmengine's Runner, on data generated in the config's own layout at
its real image size (tests/dry_run.py says what a dry run changes, in one place). Run by ``make test-configs``."""
import pytest
from mmengine.runner import EpochBasedTrainLoop
from dry_run import dry_run, layout_of, shipped_configs, write_layout  # tests/ is on the path

pytestmark = [pytest.mark.slow, pytest.mark.dryrun]  # trains; make test-configs


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    made = {}

    def get(layout):
        if layout not in made:
            root = str(tmp_path_factory.mktemp(layout)) + '/'
            made[layout] = (root, ) + write_layout(layout, root)
        return made[layout]

    return get


@pytest.mark.parametrize('config', shipped_configs())
def test_dry_run(config, data, tmp_path, monkeypatch):
    root, env, default_root = data(layout_of(config))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    runner = dry_run(config, root, default_root, str(tmp_path))
    epochs = runner.max_epochs if isinstance(runner.train_loop, EpochBasedTrainLoop) else 1  # 2 for an epoch switch
    assert runner.iter == 2 * epochs, f'{config}: {runner.iter} training iterations'
    scalars = runner.message_hub.log_scalars
    assert any(k.startswith('val/') for k in scalars), f'{config}: no validation metric logged: {sorted(scalars)}'
