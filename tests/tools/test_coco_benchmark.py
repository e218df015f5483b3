"""tools/coco_benchmark.py end to end on the shapes data: train, evaluate, table + JSON + plots; then checkpoints."""
import json
import os
import os.path as osp

import pytest

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

SMALL = ['--max-iters', '2', '--small-backbone', '16', '--img-scale', '128', '128', '--batch-size', '2',
         '--workers', '0', '--adamw', '1e-3', '--cfg-options', 'default_hooks.logger.interval=1',
         'model.test_cfg.score_thr=0.0', 'model.test_cfg.rcnn.score_thr=0.0']


def test_preset_fills_only_the_arguments_not_given(monkeypatch):
    monkeypatch.syspath_prepend(osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools'))
    import coco_benchmark
    args = coco_benchmark.parse_args(['--preset', 'cpu-smoke', '--batch-size', '2'])
    assert (args.small_backbone, args.img_scale, args.batch_size, args.workers, args.adamw) == (32, [320, 320], 2, 1,
                                                                                             1e-3)


def data_args(root):
    return ['--data-root', root, '--train-ann', 'annotations/instances_train.json', '--train-img', 'train/',
            '--val-ann', 'annotations/instances_val.json', '--val-img', 'val/']


def test_val_interval_alone_keeps_the_configs_schedule(monkeypatch, tmp_path, shapes_root):
    monkeypatch.syspath_prepend(osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools'))
    import coco_benchmark
    from mmengine.config import Config
    args = coco_benchmark.parse_args(data_args(shapes_root) + ['--configs', 'configs/ablation/retinanet_mnv2-fpn.py',
                                                               '--val-interval', '250'])
    cfg = Config.fromfile(coco_benchmark.prepare(args.configs[0], args, str(tmp_path), seed=0))
    assert (cfg.train_cfg.max_iters, cfg.train_cfg.val_interval, cfg.default_hooks.checkpoint.interval) == (2000, 250,
                                                                                                             250)
    assert cfg.param_scheduler[1]['milestones'] == [1500, 1800]  # RetinaNet's own schedule, kept


def test_trains_evaluates_and_reports(tmp_path, shapes_root, run_tool):
    work = str(tmp_path / 'bench')
    configs = ['configs/libra_retinanet.py', 'configs/libra_rpn.py']
    out = run_tool(['tools/coco_benchmark.py', '--configs'] + configs + ['--work-dir', work]
                   + data_args(shapes_root) + SMALL)
    assert '[1/2] training libra_retinanet' in out and '[2/2] evaluating libra_rpn' in out
    assert 'Iter(train) [2/2]' in out  # progress is echoed while it runs
    with open(osp.join(work, 'results.md')) as f:
        table = f.read()
    assert table.splitlines()[0] == '| config | AP | AP50 | AP75 | APs | APm | APl | AR@100 | AR@300 | AR@1000 ' \
                                    '| train time |'
    assert table.splitlines()[2].startswith('| libra_retinanet | ')
    with open(osp.join(work, 'results.json')) as f:
        runs = json.load(f)['runs']
    assert [r['name'] for r in runs] == ['libra_retinanet', 'libra_rpn']
    assert 'coco/bbox_mAP' in runs[0]['metrics'] and 'coco/AR@100' in runs[1]['metrics']
    assert [s for s, _ in runs[0]['curves']['loss']] == [1, 2] and [v['step'] for v in runs[0]['curves']['val']] == [2]
    for png in ('ap_bars.png', 'curves.png'):
        with open(osp.join(work, png), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'

    # the checkpoints given instead of training: evaluation only, the same numbers
    ckpt = runs[0]['checkpoint']
    out = run_tool(['tools/coco_benchmark.py', '--configs', configs[0], '--checkpoints', ckpt, '--work-dir',
                    str(tmp_path / 'eval')] + data_args(shapes_root) + SMALL)
    assert 'training' not in out
    with open(tmp_path / 'eval' / 'results.json') as f:
        assert json.load(f)['runs'][0]['metrics'] == runs[0]['metrics']


def test_seeds_table_intervals_plot_and_resumption(tmp_path, shapes_root, run_tool):
    """2 configs x 2 seeds: mean ± std and paired-difference tables, seeds.png; a rerun repeats nothing, and a
    deleted run (or a new seed) is the only thing trained again."""
    work = str(tmp_path / 'seeds')
    configs = ['configs/demo/libra_faster_rcnn_r18_shapes.py', 'configs/libra_retinanet.py']
    cmd = (['tools/coco_benchmark.py', '--configs'] + configs + ['--seeds', '0', '1', '--work-dir', work]
           + data_args(shapes_root) + SMALL)
    out = run_tool(cmd)
    assert '[1/4] training libra_faster_rcnn_r18_shapes seed 0' in out and '[4/4] evaluating libra_retinanet seed 1' in out
    with open(osp.join(work, 'results.md')) as f:
        text = f.read()
    assert '| config | seeds | AP | AP50 | AP75 | APs | APm | APl | train time |' in text
    assert '| libra_faster_rcnn_r18_shapes | 2 | ' in text
    assert '| config | baseline | pairs | ΔAP | ΔAP50 |' in text
    assert '| libra_retinanet | libra_faster_rcnn_r18_shapes | 2 | ' in text
    with open(osp.join(work, 'results.json')) as f:
        result = json.load(f)
    assert [(r['name'], r['seed']) for r in result['runs']] == [
        ('libra_faster_rcnn_r18_shapes', 0), ('libra_faster_rcnn_r18_shapes', 1), ('libra_retinanet', 0),
        ('libra_retinanet', 1)]
    summary = result['summary']['libra_retinanet']
    ap = [100 * r['metrics'].get('coco/bbox_mAP', 0) for r in result['runs']]
    assert summary['diff']['AP']['mean'] == pytest.approx((ap[2] - ap[0] + ap[3] - ap[1]) / 2)
    assert summary['mean_std']['AP']['mean'] == pytest.approx((ap[2] + ap[3]) / 2)
    with open(osp.join(work, 'seeds.png'), 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    seeds_of = {r['seed']: r for r in result['runs'] if r['name'] == 'libra_retinanet'}
    assert open(osp.join(work, 'libra_retinanet', 'seed0', 'config.py')).read().count('seed=0') == 1
    assert seeds_of[0]['checkpoint'] != seeds_of[1]['checkpoint']

    os.remove(osp.join(work, 'libra_retinanet', 'seed1', 'run.json'))
    out = run_tool(cmd[:2] + configs[1:] + ['--seeds', '0', '1', '2'] + cmd[7:])
    assert 'training libra_retinanet seed 0' not in out
    assert 'libra_retinanet seed 0: done before, not repeated' in out
    assert 'training libra_retinanet seed 1 (resuming)' in out  # its checkpoint was there
    assert 'training libra_retinanet seed 2' in out
    with open(osp.join(work, 'results.json')) as f:
        rerun = json.load(f)['runs']
    assert [(r['name'], r['seed']) for r in rerun] == [('libra_retinanet', s) for s in (0, 1, 2)]
    assert {r['baseline'] for r in rerun} == {'libra_retinanet'}  # the reused seed 0 too: this command's baseline

    # another config text: the finished run is stale and its checkpoints are not continued
    # (seed 0: a run finished before configs were recorded, whose config is known only from its run.json)
    os.remove(osp.join(work, 'libra_retinanet', 'seed1', 'run.json'))
    os.remove(osp.join(work, 'libra_retinanet', 'seed0', 'prepared_config.txt'))
    changed = [a if a != 'model.test_cfg.score_thr=0.0' else 'model.test_cfg.score_thr=0.001' for a in SMALL]
    out = run_tool(['tools/coco_benchmark.py', '--configs', configs[1], '--seeds', '0', '1', '--work-dir', work]
                   + data_args(shapes_root) + changed)
    for seed in (0, 1):
        assert f'libra_retinanet seed {seed}: the config changed since its checkpoints were written; training ' \
               f'from scratch' in out and f'training libra_retinanet seed {seed}\n' in out


@pytest.mark.parametrize('steps, interval, placed', [
    ([0], 1000, [1000]),  # one validation logged by epoch (step 0) at the end of 1000 iterations
    ([0, 0, 0, 0], 250, [250, 500, 750, 1000]),
    ([250, 500], 250, [250, 500]),  # logged by iteration: kept
    ([1, 2, 3], 1, [1, 2, 3]),  # an epoch schedule's epochs: kept
])
def test_read_curves_places_validations_logged_by_epoch(monkeypatch, tmp_path, steps, interval, placed):
    monkeypatch.syspath_prepend(osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools'))
    import coco_benchmark
    os.makedirs(tmp_path / '20260101_000000' / 'vis_data')
    with open(tmp_path / '20260101_000000' / 'vis_data' / 'scalars.json', 'w') as f:
        f.write(json.dumps(dict(loss=1.0, step=1)) + '\n')
        for k, step in enumerate(steps):
            f.write(json.dumps({'coco/bbox_mAP': 0.1 * k, 'step': step}) + '\n')
    curves = coco_benchmark.read_curves(str(tmp_path), interval)
    assert [row['step'] for row in curves['val']] == placed and curves['loss'] == [[1, 1.0]]
