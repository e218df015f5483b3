"""A checkpoint trained and saved by mmdet's own Libra Faster R-CNN evaluates to the same AP through our config."""
import json
import os
import os.path as osp
import pickle

import torch

import pytest

from libra_plugin.cli import config_tools as ct

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def shrink(config: str, shapes_root: str, work: str, max_iters: int) -> str:
    """``config`` at test size on the shapes data (evaluated on its training images), written to work/config.py."""
    cfg = ct.load(config)
    ct.set_coco_data(cfg, shapes_root, 'annotations/instances_train.json', 'train/',
                     'annotations/instances_train.json', 'train/')
    ct.set_schedule(cfg, max_iters=max_iters)
    ct.set_img_scale(cfg, (128, 128))
    ct.set_batch(cfg, batch_size=4, workers=0)
    ct.use_small_backbone(cfg, 16)
    ct.use_adamw(cfg, 2e-3)
    cfg.model.rpn_head.anchor_generator.scales = [4]
    cfg.randomness = dict(seed=0)
    os.makedirs(work, exist_ok=True)
    cfg.dump(osp.join(work, 'config.py'))
    return osp.join(work, 'config.py')


def evaluate(run_tool, config, ckpt, work):
    """COCO metrics and the predictions of ``ckpt`` through ``config``."""
    run_tool(['tools/test.py', config, ckpt, '--work-dir', work, '--out', osp.join(work, 'preds.pkl')])
    stamp = sorted(d for d in os.listdir(work) if d[:1].isdigit())[-1]
    with open(osp.join(work, stamp, stamp + '.json')) as f:
        metrics = {k: v for k, v in json.load(f).items() if k.startswith('coco/')}
    with open(osp.join(work, 'preds.pkl'), 'rb') as f:
        return metrics, pickle.load(f)


def test_mmdet_checkpoint_same_ap_through_our_config(tmp_path, shapes_root, run_tool):
    theirs = shrink('mmdet::libra_rcnn/libra-faster-rcnn_r50_fpn_1x_coco.py', shapes_root, str(tmp_path / 'mmdet'),
                    max_iters=20)
    ours = shrink(osp.join(REPO, 'configs', 'libra_faster_rcnn.py'), shapes_root, str(tmp_path / 'ours'), 20)
    with open(theirs) as f:
        assert 'libra_plugin' not in f.read()  # trained by mmdet's own BFP, sampler and Balanced L1

    run_tool(['tools/train.py', theirs, '--work-dir', str(tmp_path / 'train')])
    trained = torch.load(str(tmp_path / 'train' / 'iter_20.pth'), map_location='cpu', weights_only=False)
    zoo = str(tmp_path / 'libra_faster_rcnn_zoo.pth')  # as mmdet publishes: meta and weights only
    torch.save(dict(meta=trained['meta'], state_dict=trained['state_dict']), zoo)

    ref, ref_preds = evaluate(run_tool, theirs, zoo, str(tmp_path / 'eval_mmdet'))
    got, preds = evaluate(run_tool, ours, zoo, str(tmp_path / 'eval_ours'))
    assert got == ref and ref['coco/bbox_mAP_50'] > 0, ref
    assert len(preds) == len(ref_preds) == 16
    for p, r in zip(preds, ref_preds):  # the same detections, box for box (BFP output equal to 1e-5)
        p, r = p['pred_instances'], r['pred_instances']
        assert len(r['scores']) >= 10
        assert torch.equal(p['labels'], r['labels'])
        torch.testing.assert_close(p['scores'], r['scores'], rtol=0, atol=1e-4)
        torch.testing.assert_close(p['bboxes'], r['bboxes'], rtol=0, atol=1e-2)
