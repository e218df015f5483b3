"""The experiment runner end to end: two detection and two segmentation configs over two seeds, a few iterations
each; then the same command again trains nothing and re-renders the report byte for byte; a changed config stops
before training anything."""
import os
import os.path as osp
import shutil

import pytest

from libra_plugin.cli.experiment import run_experiment
from libra_plugin.cli.experiments import BBOX, EXPERIMENTS, Experiment, seg_metrics
from libra_plugin.cli.main import main

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = {'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2, 'default_hooks.checkpoint.interval': 2,
        'train_dataloader.batch_size': 2, 'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False, 'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False, 'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False}


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def _det_configs(folder):
    base = osp.join(REPO, 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py')
    a = _write(folder / 'tiny_a.py', f"_base_ = '{base}'\n")
    b = _write(folder / 'tiny_b.py', f"_base_ = '{base}'\nmodel = dict(roi_head=dict(bbox_head=dict(loss_bbox=dict("
                                     "_delete_=True, type='L1Loss', loss_weight=1.0))))\n")
    return [a, b]


@pytest.mark.slow
def test_detection_experiment_records_reports_and_trains_nothing_twice(tmp_path, shapes_root, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    configs = _det_configs(tmp_path)
    data = osp.dirname(shapes_root.rstrip('/')) + '/'
    coco = dict(root=osp.basename(shapes_root.rstrip('/')) + '/', train_ann='annotations/instances_train.json',
                train_img='train/', val_ann='annotations/instances_val.json', val_img='val/')
    exp = Experiment('tiny_det', 'two tiny detectors', configs, BBOX, seeds=(0, 1), coco=coco,
                     cfg_options=dict(TINY, **{'model.test_cfg.rcnn.score_thr': 0.0}))
    run_experiment(exp, data=data)
    out = capsys.readouterr().out
    assert '[run 1/4] tiny_a seed 0: 1 of the 4 to train' in out and '[run 4/4] tiny_b seed 1' in out
    report = (tmp_path / 'results' / 'tiny_det' / 'results.md').read_text()
    assert '| tiny_b | tiny_a | 2 |' in report and '| tiny_a | 1 |' in report
    record = (tmp_path / 'results' / 'tiny_det' / 'tiny_a' / 'seed1' / 'run.json').read_text()
    assert str(tmp_path) not in record and data not in record  # portable: no absolute path, the data as data/
    assert "work_dir = 'work_dirs/tiny_det/tiny_a/seed1'" in record and 'seed=1' in record
    for png in ('ap_bars.png', 'seeds.png', 'curves.png'):
        assert (tmp_path / 'results' / 'tiny_det' / png).is_file()
    shutil.rmtree(tmp_path / 'work_dirs')  # the records alone are enough
    run_experiment(exp, data=data)
    assert 'tiny_det: 4 of 4 runs recorded, 0 to train' in capsys.readouterr().out
    assert (tmp_path / 'results' / 'tiny_det' / 'results.md').read_text() == report
    with open(configs[1]) as f:
        text = f.read()
    _write(configs[1], text.replace('loss_weight=1.0', 'loss_weight=2.0'))
    with pytest.raises(RuntimeError, match=r'these runs have records made from another config text .*'
                                           r'results/tiny_det/tiny_b/seed0/run.json'):
        run_experiment(exp, data=data)
    assert not (tmp_path / 'work_dirs' / 'tiny_det' / 'tiny_b' / 'seed0' / 'train.log').exists()


@pytest.mark.slow
def test_segmentation_experiment_and_resume_semantics(tmp_path, camvid_root, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    configs = [osp.join(REPO, 'configs', 'lovasz', f'fastscnn_camvid-car_{n}.py') for n in ('ce', 'lovasz')]
    exp = Experiment('tiny_seg', 'two tiny segmenters', configs, seg_metrics('mIoU', 'IoU.car'), seeds=(3, 4),
                     env=dict(CAMVID_ROOT=osp.basename(camvid_root.rstrip('/')) + '/'),
                     cfg_options=dict(TINY, **{'train_dataloader.dataset.indices': 4,
                                               'val_dataloader.dataset.indices': 2}))
    run_experiment(exp, data=osp.dirname(camvid_root.rstrip('/')) + '/')
    report = (tmp_path / 'results' / 'tiny_seg' / 'results.md').read_text()
    assert '| fastscnn_camvid-car_lovasz | fastscnn_camvid-car_ce | 2 |' in report
    assert (tmp_path / 'results' / 'tiny_seg' / 'results_per_class.md').is_file()  # IoU.background, IoU.car
    log = (tmp_path / 'work_dirs' / 'tiny_seg' / 'fastscnn_camvid-car_ce' / 'seed3' / 'train.log').read_text()
    assert log.count('\n===== ') == 1  # one header per start: the log is appended to
    capsys.readouterr()
    run_experiment(exp, data=osp.dirname(camvid_root.rstrip('/')) + '/')
    assert '0 to train' in capsys.readouterr().out
    assert (tmp_path / 'results' / 'tiny_seg' / 'results.md').read_text() == report


def test_runs_that_would_overwrite_each_other_are_an_error(tmp_path):  # id: experiment-name-clash
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    configs = [_write(tmp_path / d / 'seg.py', "_base_ = 'x.py'\n") for d in ('a', 'b')]
    with pytest.raises(ValueError, match=r"configs \[.*a/seg.py', .*b/seg.py'\] share the run name 'seg'"):
        run_experiment(Experiment('clash', '', configs, BBOX))


def test_frozen_experiment_only_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(osp.join(REPO, 'results', 'ablation_coco128'), tmp_path / 'results' / 'ablation_coco128')
    before = (tmp_path / 'results' / 'ablation_coco128' / 'results.md').read_text()
    run_experiment(EXPERIMENTS['ablation_coco128'])  # its configs no longer make its records: nothing is loaded
    assert (tmp_path / 'results' / 'ablation_coco128' / 'results.md').read_text() == before
    os.remove(tmp_path / 'results' / 'ablation_coco128' / 'retinanet_mnv2-fpn' / 'seed2' / 'run.json')
    with pytest.raises(RuntimeError, match='ablation_coco128 is frozen .* it trains nothing, and '
                                           'results/ablation_coco128/retinanet_mnv2-fpn/seed2/run.json is missing'):
        run_experiment(EXPERIMENTS['ablation_coco128'])


@pytest.mark.parametrize('command', ['run', 'report', 'list', 'configs', 'train', 'test', 'demo', 'mse-trap',
                                     'picie-picture'])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, '--help'])
    assert e.value.code == 0
    assert 'usage:' in capsys.readouterr().out


def test_bad_calls_are_one_line_errors(capsys, tmp_path, monkeypatch):  # id: cli-bad-calls
    monkeypatch.chdir(tmp_path)
    for argv, message in ((['frobnicate'], "unknown command 'frobnicate'; choose from train, test, run"),
                          (['run', 'nosuch'], "'nosuch' is neither an experiment (ablation_aquarium_test"),
                          (['report', 'lovasz_car'], 'results/lovasz_car/results.json does not exist: give an '
                                                     'experiment name with records'),
                          (['run', 'missing.py'], "config 'missing.py' is neither a file")):
        with pytest.raises(SystemExit) as e:
            main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_list_counts_the_recorded_runs(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    main(['list'])
    out = capsys.readouterr().out
    assert '| ablation_aquarium_test | 45 / 45 |' in out and '| lovasz_car | 15 / 15 |' in out
