"""The named experiments: each one is a folder ``results/<name>/`` (records and report) and one entry here.

An :class:`Experiment` is data: its configs (the first is the baseline of the others unless ``baselines`` says
otherwise), seeds, data, metrics and the comparisons its report makes (the Holm family is every paired t-test of
its table; ``interactions`` and ``views`` are tables of their own). ``python -m libra_plugin list`` prints them
with their finished runs; ``run NAME`` trains what is missing; ``report NAME`` re-renders from the records.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

Metric = Tuple[str, str, float]  # (column label, key in a record's metrics, scale to percent)

BBOX: List[Metric] = [(label, f'coco/bbox_mAP{suffix}', 100.0) for label, suffix in (
    ('AP', ''), ('AP50', '_50'), ('AP75', '_75'), ('APs', '_s'), ('APm', '_m'), ('APl', '_l'))]


def class_ap(*names: str) -> List[Metric]:
    """COCO box AP of single classes (``CocoMetric(classwise=True)``), and ``rare3``, the mean of the first three."""
    return [(f'AP {n}', f'coco/{n}_precision', 100.0) for n in names] + [
        ('AP rare3', 'mean(' + ','.join(f'coco/{n}_precision' for n in names[:3]) + ')', 100.0)]


def seg_metrics(*keys: str) -> List[Metric]:
    """mmseg's metrics as logged (already in percent): ``mIoU``, ``IoU.car``, ..."""
    return [(k, k, 1.0) for k in keys]


AQUARIUM_TEST = dict(root='aquarium/', train_ann='annotations/train.json', train_img='images/',
                     val_ann='annotations/test.json', val_img='images/')
AQUARIUM_VAL = dict(AQUARIUM_TEST, val_ann='annotations/val.json')
COCO128 = dict(root='coco128/', train_ann='annotations/instances_train96.json', train_img='train2017/',
               val_ann='annotations/instances_val32.json', val_img='train2017/')
COCO2017 = dict(root='coco/', train_ann='annotations/instances_train2017.json', train_img='train2017/',
                val_ann='annotations/instances_val2017.json', val_img='val2017/')
PROPOSAL: List[Metric] = [(f'AR@{n}', f'coco/AR@{n}', 100.0) for n in (100, 300, 1000)]
CAMVID = dict(CAMVID_ROOT='camvid/')
CLASSWISE = {'val_evaluator.classwise': True, 'test_evaluator.classwise': True}
LONG_TAIL = BBOX[:2] + class_ap('starfish', 'stingray', 'puffin', 'fish')  # aquarium train: 78, 136, 175, 1961 boxes


@dataclass
class Experiment:
    """A comparison of configs over seeds on one dataset (module doc)."""

    name: str
    title: str
    configs: Sequence[str]
    metrics: Sequence[Metric]
    seeds: Sequence[int] = (0, 1, 2, 3, 4)
    config_seeds: Dict[str, Sequence[int]] = field(default_factory=dict)  # config name -> its seeds, if fewer
    coco: Optional[dict] = None  # COCO-layout data (under --data): root, train_ann, train_img, val_ann, val_img
    env: Dict[str, str] = field(default_factory=dict)  # variables the configs read their data root from
    cfg_options: dict = field(default_factory=dict)
    baselines: Dict[str, str] = field(default_factory=dict)  # config name -> its baseline (default: the first)
    interactions: List[dict] = field(default_factory=list)  # dict(name, baseline, parts, combined)
    # folder -> dict(configs=[names], baseline=name[, metrics=[labels]]): a report of some configs (and metrics)
    views: Dict[str, dict] = field(default_factory=dict)
    frozen: Optional[str] = None  # why its records are final (superseded, or configs changed since): trains nothing
    # differences of differences against another experiment's runs: dict(experiment, pairs={name: its name there})
    compare: Optional[dict] = None
    floor: Optional[str] = None  # a config name: the others' learning curves against it (cli/report_curves.py)
    bootstrap: bool = False  # detection: a paired bootstrap over the evaluated images and the seeds (cli/images.py)
    note: str = ''

    @property
    def names(self) -> List[str]:
        return [osp.splitext(osp.basename(c.split('::')[-1]))[0] for c in self.configs]

    def runs(self, seeds: Optional[Sequence[int]] = None) -> List[Tuple[str, int]]:
        """``(config, seed)`` of every run, seed-major (every config has seed 0 first)."""
        seeds = list(self.seeds if seeds is None else seeds)
        return [(c, s) for s in seeds for c, n in zip(self.configs, self.names) if s in self.config_seeds.get(n, seeds)]

    def spec(self) -> dict:
        """What the report needs (:mod:`libra_plugin.cli.report`), stored in results.json."""
        names = self.names
        bases = set(self.baselines.values())  # configs that are a baseline are compared with nothing
        baselines = {n: self.baselines.get(n, names[0]) for n in names[1:]
                     if self.baselines.get(n, names[0]) != n and n not in bases}
        return dict(name=self.name, title=self.title, metrics=[list(m) for m in self.metrics], order=names,
                    baselines=baselines, interactions=self.interactions, frozen=self.frozen, compare=self.compare,
                    note=self.note, **({'floor': self.floor} if self.floor else {}))

    def view_specs(self) -> Dict[str, dict]:
        out = {}
        for folder, view in self.views.items():
            metrics = [list(m) for m in self.metrics if m[0] in view.get('metrics', [m[0] for m in self.metrics])]
            out[folder] = dict(self.spec(), name=f'{self.name}/{folder}', order=view['configs'], interactions=[],
                               metrics=metrics, compare=None,
                               baselines={n: view['baseline'] for n in view['configs'] if n != view['baseline']})
        return out


L = 'configs/libra_rcnn'
ABLATION_FRCNN = [f'{L}/{n}_1k_aquarium.py' for n in (
    'faster-rcnn_mnv2_fpn', 'faster-rcnn_mnv2_fpn_iou-balanced', 'faster-rcnn_mnv2_fpn_bfp',
    'faster-rcnn_mnv2_fpn_balanced-l1', 'libra-faster-rcnn_mnv2_fpn', 'faster-rcnn_mnv2_fpn_iou-neg',
    'faster-rcnn_mnv2_fpn_instance-pos')]
ABLATION_RETINA = [f'{L}/retinanet_mnv2_fpn_gn-head_2k_aquarium.py',
                   f'{L}/libra-retinanet_mnv2_fpn_gn-head_2k_aquarium.py']
SEG = 'configs/ib_focal/fastscnn_camvid'
# the names the 1000-iteration ablation had when its (frozen) studies ran: their records keep them (docs/configs.md)
OLD = 'configs/ablation/faster-rcnn_mnv2-fpn'
OLD_FRCNN = [f'{OLD}.py', f'{OLD}_iou-balanced.py', f'{OLD}_bfp.py', f'{OLD}_balanced-l1.py',
             'configs/ablation/libra-faster-rcnn_mnv2-fpn.py', f'{OLD}_iou-neg.py', f'{OLD}_instance-pos.py']
OLD_RETINA = ['configs/ablation/retinanet_mnv2-fpn.py', 'configs/ablation/libra-retinanet_mnv2-fpn.py']
CAR = 'configs/lovasz/fastscnn_camvid-car'
PICIE = 'configs/picie/picie_mnv2-fpn_camvid'
IBF = 'configs/ib_focal'
IB_METRICS = seg_metrics('aAcc', 'mIoU', 'mAcc', 'IoU.building', 'IoU.tree', 'IoU.pedestrian')
PICIE_METRICS = seg_metrics('Acc', 'mIoU', 'Thing_Acc', 'Thing_mIoU', 'Stuff_Acc', 'Stuff_mIoU')
NAMES = [osp.splitext(osp.basename(c))[0] for c in OLD_FRCNN]
FROZEN_1K = ('complete: its configs have since gained two CPU speed settings that leave the computation the same '
             '(TorchRoIAlignHook, efficient_conv_bn_eval) and ChannelsLastHook converts after the initialisation now, '
             'so a rerun would not repeat these runs bit for bit')

_LIST = [
    Experiment(
        'ablation_aquarium_test', 'the Libra parts one by one and together, and the RetinaNet pair, on aquarium test',
        OLD_FRCNN + OLD_RETINA, BBOX, coco=AQUARIUM_TEST,
        baselines={'libra-retinanet_mnv2-fpn': 'retinanet_mnv2-fpn'},
        interactions=[
            dict(name='the two halves of IoU-balanced sampling', baseline=NAMES[0], parts=[NAMES[5], NAMES[6]],
                 combined=NAMES[1]),
            dict(name='the three Libra parts', baseline=NAMES[0], parts=NAMES[1:4], combined=NAMES[4])],
        views={'faster_rcnn': dict(configs=NAMES, baseline=NAMES[0]),
               'against_iou-balanced': dict(configs=NAMES, baseline=NAMES[1])}, frozen=FROZEN_1K),
    Experiment('ablation_val', 'the learning curves that chose the schedule, aquarium val (seed 0)',
               [OLD_FRCNN[0], OLD_RETINA[0]], BBOX, seeds=(0, ), coco=AQUARIUM_VAL,
               cfg_options={'train_cfg.val_interval': 250, 'default_hooks.checkpoint.interval': 250},
               frozen=FROZEN_1K),
    Experiment('schedule_val', 'the Faster R-CNN baseline at 2000 and 3000 iterations, aquarium val (seed 0)',
               ['configs/libra_rcnn/faster-rcnn_mnv2_fpn_2k_aquarium.py',
                'configs/libra_rcnn/faster-rcnn_mnv2_fpn_3k_aquarium.py'], BBOX, seeds=(0, ), coco=AQUARIUM_VAL,
               cfg_options={'train_cfg.val_interval': 250, 'default_hooks.checkpoint.interval': 250},
               frozen='a development choice, made: both configs have since gained, through the ablation base, two '
                      'CPU speed settings that leave the computation the same; the 2000-iteration run predates '
                      'ChannelsLastHook converting after the initialisation, the 3000-iteration run has it'),
    Experiment('libra_aquarium_3k', 'the Libra parts at 3000 iterations on aquarium test (pre-registered)',
               [f'configs/libra_rcnn/{n}_3k_aquarium.py' for n in
                ('faster-rcnn_mnv2_fpn', 'faster-rcnn_mnv2_fpn_bfp', 'faster-rcnn_mnv2_fpn_balanced-l1',
                 'libra-faster-rcnn_mnv2_fpn')], BBOX, coco=AQUARIUM_TEST,
               compare=dict(experiment='ablation_aquarium_test', pairs={
                   'faster-rcnn_mnv2_fpn_3k_aquarium': 'faster-rcnn_mnv2-fpn',
                   'faster-rcnn_mnv2_fpn_bfp_3k_aquarium': 'faster-rcnn_mnv2-fpn_bfp',
                   'faster-rcnn_mnv2_fpn_balanced-l1_3k_aquarium': 'faster-rcnn_mnv2-fpn_balanced-l1',
                   'libra-faster-rcnn_mnv2_fpn_3k_aquarium': 'libra-faster-rcnn_mnv2-fpn'}), bootstrap=True,
               note='Pre-registered in docs/studies/libra_3k.md: the table against the baseline is one Holm family '
                    '(18 tests), the differences of differences against ablation_aquarium_test another (18).'),
    Experiment('libra_aquarium_1k', 'the Libra parts at 1000 iterations again, each test image scored (aquarium test)',
               [ABLATION_FRCNN[i] for i in (0, 2, 3, 4)], BBOX, coco=AQUARIUM_TEST, bootstrap=True,
               note='The image bootstrap of the 1000-iteration table (docs/studies/libra_3k.md, question 3): '
                    'ablation_aquarium_test kept no detections, so its four configs are trained again; a Holm '
                    'family of its own (18 tests), a replication of that table.'),
    Experiment('ib_detection_val', 'where IB focal takes over in detection heads: two switch points each, aquarium '
               'val (seed 0)',
               [f'{IBF}/{n}.py' for n in ('faster-rcnn_mnv2_fpn_ib-focal_1k_aquarium',
                                          'faster-rcnn_mnv2_fpn_ib-focal-at750_1k_aquarium',
                                          'retinanet_mnv2_fpn_ib-focal_2k_aquarium',
                                          'retinanet_mnv2_fpn_ib-focal-at1500_2k_aquarium')],
               LONG_TAIL, seeds=(0, ), coco=AQUARIUM_VAL, cfg_options=CLASSWISE,
               baselines={'retinanet_mnv2_fpn_ib-focal-at1500_2k_aquarium': 'retinanet_mnv2_fpn_ib-focal_2k_aquarium'},
               note='The choice (docs/studies/ib_detection.md): per detector the switch point with the higher AP rare3 '
                    '(the mean AP of starfish, stingray and puffin), AP breaking a tie.',
               frozen='a development choice, made: Faster R-CNN switches at 500 (AP rare3 20.7 against 19.6 at 750), '
                      'RetinaNet at 1500 (5.9 against 4.3 at 1000)'),
    Experiment('ib_detection', 'CE / focal -> IB focal and Seesaw in detection heads, aquarium test (5 seeds)',
               [ABLATION_FRCNN[0], f'{IBF}/faster-rcnn_mnv2_fpn_ib-focal_1k_aquarium.py',
                f'{IBF}/faster-rcnn_mnv2_fpn_seesaw_1k_aquarium.py', ABLATION_RETINA[0],
                f'{IBF}/retinanet_mnv2_fpn_ib-focal-at1500_2k_aquarium.py'],
               LONG_TAIL, coco=AQUARIUM_TEST, cfg_options=CLASSWISE,
               baselines={'retinanet_mnv2_fpn_ib-focal-at1500_2k_aquarium': 'retinanet_mnv2_fpn_gn-head_2k_aquarium'},
               note='Pre-registered in docs/studies/ib_detection.md: Holm over 3 comparisons x 7 metrics = 21 paired '
                    't-tests; the switch points (Faster R-CNN 500, RetinaNet 1500) chosen on aquarium val '
                    '(ib_detection_val).'),
    Experiment('coco_1x', 'Libra Faster R-CNN and Libra RetinaNet R-50 1x against mmdet\'s, COCO val2017 (GPUs)',
               ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', 'configs/libra_faster_rcnn.py',
                'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', 'configs/libra_retinanet.py'], BBOX, seeds=(0, ),
               coco=COCO2017, baselines={'libra_retinanet': 'retinanet_r50_fpn_1x_coco'},
               note='docs/reproduce.md: the targets (mmdet model zoo) 37.4 / 38.3 and 36.5 / 37.6 box AP.'),
    Experiment('coco_rpn_1x', 'Libra RPN (IoU-balanced anchor sampling) against mmdet\'s RPN R-50 1x, COCO val2017',
               ['mmdet::rpn/rpn_r50_fpn_1x_coco.py', 'configs/libra_rpn.py'], PROPOSAL, seeds=(0, ), coco=COCO2017,
               note='docs/reproduce.md: the paper\'s AR@100/300/1000 42.5/51.2/57.1 -> 52.1/58.3/62.5.'),
    Experiment('lovasz_car', 'CamVid car vs rest: CE, Lovász hinge, hinge + CE (val)',
               [f'{CAR}_ce.py', f'{CAR}_lovasz.py', f'{CAR}_lovasz-ce.py'],
               seg_metrics('aAcc', 'mIoU', 'mAcc', 'IoU.car', 'IoU.background'), env=CAMVID),
    Experiment('lovasz_controls', 'hinge + CE against three controls, CamVid car vs rest (val; pre-registered)',
               [f'{CAR}_lovasz-ce.py', f'{CAR}_ce-x2.py', f'{CAR}_ce-balanced.py',
                f'{CAR}_ce-then-lovasz-ce.py', f'{CAR}_ce.py'], seg_metrics('IoU.car', 'mIoU'), env=CAMVID,
               baselines={'fastscnn_camvid-car_ce': 'fastscnn_camvid-car_ce'},
               note='Family (pre-registered, docs/studies/lovasz_controls.md): the three controls against hinge + '
                    'CE, 2 metrics; binary CE is listed for reference, outside the family.'),
    Experiment('ib_collapse', 'supervised CE -> IB focal on CamVid: the settings that collapse (val, 3 seeds)',
               [f'{SEG}_ce.py', f'{SEG}_ibfocal.py', f'{SEG}_ibfocal-lr0.01.py', f'{SEG}_ibfocal-w0.5.py',
                f'{SEG}_ibfocal-w0.py', f'{SEG}_ibfocal-alpha1000.py'], IB_METRICS, seeds=(0, 1, 2), env=CAMVID),
    Experiment('ib_dev', 'class_weight_power on a development split of CamVid train (3 seeds)',
               [f'{SEG}_ce.py', f'{SEG}_ibfocal.py', f'{SEG}_ibfocal-w0.5.py', f'{SEG}_ibfocal-w0.py'],
               seg_metrics('aAcc', 'mIoU', 'mAcc'), seeds=(0, 1, 2), env=CAMVID,
               cfg_options={'train_dataloader.dataset.dev_split': 'train', 'val_dataloader.dataset.dev_split': 'dev',
                            'val_dataloader.dataset.data_prefix.img_path': 'train',
                            'val_dataloader.dataset.data_prefix.seg_map_path': 'trainannot'}),
    Experiment('ib_val', 'the development split\'s choice reported on CamVid val (5 seeds)',
               [f'{SEG}_ce.py', f'{SEG}_ibfocal.py', f'{SEG}_ibfocal-w0.5.py'], IB_METRICS, env=CAMVID),
    Experiment('picie_dev', 'PiCIE schedule and settings on a development split of CamVid train (3 seeds)',
               [f'{PICIE}-dev_ce.py', f'{PICIE}-dev_floor.py', f'{PICIE}-dev_ce-lr1e-5.py', f'{PICIE}-dev_ce-bn.py'],
               seg_metrics('Acc', 'mIoU', 'Thing_mIoU', 'Stuff_mIoU'), seeds=(0, 1, 2), env=CAMVID,
               floor='picie_mnv2-fpn_camvid-dev_floor', config_seeds={'picie_mnv2-fpn_camvid-dev_ce-bn': (0, 1)}),
    Experiment('picie_camvid_2ep', 'PiCIE CE / focal / IB focal against the untrained floor, CamVid val',
               [f'{PICIE}_ce.py', f'{PICIE}_focal.py', f'{PICIE}_ibfocal.py', f'{PICIE}_floor.py'], PICIE_METRICS,
               env=CAMVID,
               views={'against_floor': dict(configs=['picie_mnv2-fpn_camvid_floor', 'picie_mnv2-fpn_camvid_ce'],
                                            baseline='picie_mnv2-fpn_camvid_floor', metrics=['Acc', 'mIoU'])},
               note='docs/picie.md: does PiCIE learn more than its untrained floor? The view against_floor answers '
                    'it, Acc and mIoU, a Holm family of 2.'),
]
_OLD_ABLATION = OLD_FRCNN[:5] + OLD_RETINA
_SUPERSEDED = [
    Experiment('ablation_aquarium', 'the Libra parts in the earlier regime, aquarium val (3 seeds)', _OLD_ABLATION,
               BBOX, seeds=(0, 1, 2), coco=AQUARIUM_VAL, baselines={'libra-retinanet_mnv2-fpn': 'retinanet_mnv2-fpn'},
               frozen='superseded: a frozen backbone and 300 iterations (RetinaNet 600) left every detector at 3-5 '
                      'AP; the configs of commit 071e282, since replaced by the learning regime '
                      '(ablation_aquarium_test)'),
    Experiment('ablation_coco128', 'the same on COCO128, the earlier regime (3 seeds)', _OLD_ABLATION, BBOX,
               seeds=(0, 1, 2), coco=COCO128, baselines={'libra-retinanet_mnv2-fpn': 'retinanet_mnv2-fpn'},
               frozen='superseded: the frozen regime of commit 071e282 on 96 / 32 COCO128 images: every row '
                      '0.5-1.1 AP, a pipeline check, not evidence'),
    Experiment('picie_camvid', 'PiCIE on CamVid val, the earlier protocol (3 seeds)',
               [f'{PICIE}_ce.py', f'{PICIE}_focal.py', f'{PICIE}_ibfocal.py', f'{PICIE}_floor.py'], PICIE_METRICS,
               seeds=(0, 1, 2), env=CAMVID,
               frozen='superseded: the earlier evaluation protocol and schedule of docs/picie.md; replaced by '
                      "picie_camvid_2ep (the authors' protocol)"),
]
EXPERIMENTS: Dict[str, Experiment] = {e.name: e for e in _LIST + _SUPERSEDED}


def get(name: str) -> Experiment:
    if name not in EXPERIMENTS:
        raise KeyError(f'no experiment named {name!r}; the experiments: {", ".join(EXPERIMENTS)} '
                       '(python -m libra_plugin list)')
    return EXPERIMENTS[name]
