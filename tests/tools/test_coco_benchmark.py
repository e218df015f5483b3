"""tools/coco_benchmark.py end to end on the shapes data: train, evaluate, table + JSON + plots; then checkpoints."""
import json
import os.path as osp

SMALL = ['--max-iters', '2', '--small-backbone', '16', '--img-scale', '128', '128', '--batch-size', '2',
         '--workers', '0', '--adamw', '1e-3', '--cfg-options', 'default_hooks.logger.interval=1',
         'model.test_cfg.score_thr=0.0', 'model.test_cfg.rcnn.score_thr=0.0']


def data_args(root):
    return ['--data-root', root, '--train-ann', 'annotations/instances_train.json', '--train-img', 'train/',
            '--val-ann', 'annotations/instances_val.json', '--val-img', 'val/']


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
    assert [s for s, _ in runs[0]['curves']['loss']] == [1, 2] and len(runs[0]['curves']['val']) == 1
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
