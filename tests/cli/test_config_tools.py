"""The config transformations of the tools."""
import os.path as osp

import pytest

from libra_plugin.cli import config_tools as ct

LIBRA = 'configs/libra_faster_rcnn.py'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_load_package_config_and_to_builtin():
    cfg = ct.load(LIBRA)
    ct.to_builtin(cfg)
    ref = ct.load('mmdet::libra_rcnn/libra-faster-rcnn_r50_fpn_1x_coco.py')
    assert cfg.model.neck == ref.model.neck
    assert cfg.model.roi_head.bbox_head.loss_bbox == ref.model.roi_head.bbox_head.loss_bbox
    assert cfg.model.train_cfg.rcnn.sampler == ref.model.train_cfg.rcnn.sampler


def test_to_builtin_names_what_it_cannot_replace():
    cfg = ct.load(LIBRA)
    cfg.model.roi_head.bbox_head.loss_bbox = dict(type='libra_plugin.GaussianL1Loss')
    with pytest.raises(KeyError, match='libra_plugin.GaussianL1Loss has no mmdet built-in counterpart; known: '):
        ct.to_builtin(cfg)


def test_schedule_iterations_and_epochs():
    cfg = ct.load(LIBRA)
    ct.set_schedule(cfg, max_iters=400, val_interval=100)
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=400, val_interval=100)
    assert cfg.param_scheduler[0]['end'] == 50 and cfg.param_scheduler[1]['milestones'] == [300, 368]
    assert cfg.train_dataloader.sampler.type == 'InfiniteSampler' and cfg.default_hooks.checkpoint.interval == 100
    cfg = ct.load(LIBRA)
    ct.set_schedule(cfg, epochs=24)
    assert cfg.train_cfg.max_epochs == 24 and cfg.param_scheduler[1]['milestones'] == [18, 22]
    with pytest.raises(ValueError, match='give exactly one of max_iters and epochs'):
        ct.set_schedule(cfg, max_iters=4, epochs=2)
    with pytest.raises(ValueError, match='the schedule length must be >= 1, got 0'):
        ct.set_schedule(cfg, max_iters=0)


def test_val_interval_of_the_configs_own_schedule():
    cfg = ct.load(LIBRA)
    ct.set_val_interval(cfg, 3)
    assert (cfg.train_cfg.type, cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval) == ('EpochBasedTrainLoop', 12, 3)
    assert cfg.default_hooks.checkpoint.interval == 3 and cfg.param_scheduler == ct.load(LIBRA).param_scheduler
    with pytest.raises(ValueError, match='val_interval must be >= 1, got 0'):
        ct.set_val_interval(cfg, 0)


def test_sizes_and_small_backbone(shapes_root):
    cfg = ct.load(LIBRA)
    ct.set_coco_data(cfg, shapes_root, 'annotations/instances_train.json', 'train/',
                     'annotations/instances_val.json', 'val/')
    ct.set_img_scale(cfg, (320, 320))
    ct.use_small_backbone(cfg, 16)
    assert cfg.model.roi_head.bbox_head.num_classes == 3
    assert cfg.train_dataloader.dataset.metainfo.classes == ('square', 'disc', 'triangle')
    assert cfg.test_evaluator.ann_file == shapes_root + 'annotations/instances_val.json'
    assert [t.scale for t in cfg.train_dataloader.dataset.pipeline if t.type == 'Resize'] == [(320, 320)]
    assert cfg.model.neck[0].in_channels == [16, 32, 64, 128] and cfg.model.neck[1].in_channels == 32
    assert cfg.model.roi_head.bbox_head.fc_out_channels == 128


def test_faster_coco_eval_swaps_coco_metric_only():
    cfg = ct.load('mmdet::rpn/rpn_r50_fpn_1x_coco.py')
    ct.use_faster_coco_eval(cfg)
    assert cfg.val_evaluator.type == cfg.test_evaluator.type == 'libra_plugin.FasterCocoMetric'
    assert cfg.val_evaluator.metric == 'proposal_fast'


def test_test_tool_show_and_tta_settings():
    """``--show`` / ``--wait-time`` reach the visualization hook; ``--tta`` wraps the model as mmdet's test.py does."""
    from mmengine.config import Config

    from libra_plugin.cli.test import enable_drawing, use_tta
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'demo', 'libra_faster_rcnn_r18_shapes.py'))
    enable_drawing(cfg, None, show=True, wait_time=3)
    hook = cfg.default_hooks.visualization
    assert hook.draw and hook.show and hook.wait_time == 3 and 'test_out_dir' not in hook
    model = cfg.model.type
    use_tta(cfg)
    assert cfg.model.type == 'DetTTAModel' and cfg.model.module.type == model
    assert cfg.test_dataloader.dataset.pipeline[-1].type == 'TestTimeAug'
