"""benchmarks/bench_e2e.py measures a config on CPU and writes its JSON (no timing is asserted)."""
import json
import os.path as osp

import pytest

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages


def measure(run_tool, shapes_root, out, config, *flags):
    """bench_e2e.py at test size on the shapes data; its JSON."""
    run_tool(['benchmarks/bench_e2e.py', config, *flags, '--small-backbone', '16', '--img-scale', '128', '128',
              '--batch-size', '2', '--json', out, '--data-root', shapes_root, '--train-ann',
              'annotations/instances_train.json', '--train-img', 'train/', '--val-ann', 'annotations/instances_val.json',
              '--val-img', 'val/'])
    with open(out) as f:
        return json.load(f)


def test_speed_and_memory_json(tmp_path, shapes_root, run_tool):
    r = measure(run_tool, shapes_root, str(tmp_path / 'e2e.json'), 'configs/libra_retinanet.py', '--builtin',
                '--warmup', '1', '--repeats', '1')
    assert r['builtin'] is True and r['device'] == 'cpu' and r['train_batch'] == 2
    assert osp.basename(r['config']) == 'libra_retinanet.py'
    for key in ('train_ms_per_iter', 'infer_img_per_s', 'train_peak_mib'):
        assert r[key] > 0, key


def test_pair_measures_ours_and_mmdet_in_one_process(tmp_path, shapes_root, run_tool):
    r = measure(run_tool, shapes_root, str(tmp_path / 'pair.json'), 'configs/libra_faster_rcnn.py', '--pair',
                '--warmup', '1', '--repeats', '2')
    assert sorted(r) == ['mmdet', 'ours'] and r['mmdet']['builtin'] and not r['ours']['builtin']
    assert all(r[k]['infer_img_per_s'] > 0 and r[k]['repeats'] == 2 for k in r)
