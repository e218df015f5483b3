"""The demo config through tools/train.py (a few iterations, a resume) and tools/test.py."""
import json
import os
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py')


def _opts(max_iters):
    return ['--cfg-options', f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
            'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
            'test_dataloader.num_workers=0']


def test_train_resume_and_test(tmp_path, shapes_root, run_tool):
    work = str(tmp_path / 'work')
    out = run_tool(['tools/train.py', CONFIG, '--work-dir', work] + _opts(4), SHAPES_ROOT=shapes_root)
    assert 'Iter(train) [4/4]' in out and 'coco/bbox_mAP' in out
    assert osp.exists(osp.join(work, 'iter_4.pth'))

    # resume continues from the last checkpoint (iter 4) with the optimizer and message hub restored
    out = run_tool(['tools/train.py', CONFIG, '--work-dir', work, '--resume'] + _opts(6), SHAPES_ROOT=shapes_root)
    assert 'resumed epoch: 0, iter: 4' in out
    assert 'Iter(train) [5/6]' in out and 'Iter(train) [1/6]' not in out
    assert osp.exists(osp.join(work, 'iter_6.pth'))

    show = str(tmp_path / 'show')
    pkl = str(tmp_path / 'preds.pkl')
    out = run_tool(['tools/test.py', CONFIG, osp.join(work, 'iter_6.pth'), '--work-dir', work, '--show-dir', show,
                   '--out', pkl, '--cfg-options', 'test_dataloader.num_workers=0'], SHAPES_ROOT=shapes_root)
    assert 'coco/bbox_mAP_50' in out
    assert osp.exists(pkl)
    assert sorted(os.listdir(show)) == [f'{i:05d}.png' for i in range(8)]  # every val image drawn
    stamp = sorted(d for d in os.listdir(work) if d[:1].isdigit())[-1]
    with open(osp.join(work, stamp, stamp + '.json')) as f:
        metrics = json.load(f)
    assert 0 <= metrics['coco/bbox_mAP'] <= 1
