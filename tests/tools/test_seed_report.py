"""tools/seed_report.py re-renders a recorded multi-seed report with the current statistics (no training)."""
import json
import os.path as osp
import shutil
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
from seed_report import main  # noqa: E402


def test_rerenders_a_seg_seeds_and_a_coco_benchmark_record(tmp_path, capsys):
    seg = tmp_path / 'lovasz_car'
    shutil.copytree(osp.join(REPO, 'docs', 'results', 'lovasz_car'), seg)
    main([str(seg / 'results.json'), '--metrics', 'aAcc', 'mIoU', 'mAcc', 'IoU.car', 'IoU.background'])
    text = (seg / 'results.md').read_text()
    assert text.strip() in capsys.readouterr().out  # printed too
    assert ('| fastscnn_camvid-car_lovasz-ce | fastscnn_camvid-car_ce | 5 | +3.9 [+2.9, +4.9]* p_sf 0.062 | '
            '+11.8 [+7.9, +15.8]* p_sf 0.062 | +2.9 [+0.7, +5.1] p_sf 0.062 |') in text  # mAcc: no mark after Holm
    assert 'family of the 10 paired t-tests of this table (2 configs x 5 metrics against fastscnn_camvid-car_ce)' \
        in text
    det = tmp_path / 'ablation'
    shutil.copytree(osp.join(REPO, 'docs', 'results', 'ablation_aquarium'), det)
    main([str(det / 'results.json')])
    text = (det / 'results.md').read_text()
    assert ('| faster-rcnn_mnv2-fpn_iou-balanced | faster-rcnn_mnv2-fpn | 3 | +2.1 [+1.1, +3.1] p_sf 0.25 |'
            in text) and 'family of the 29 paired t-tests' in text


def test_another_baseline_into_another_folder(tmp_path, capsys):
    src = osp.join(REPO, 'docs', 'results', 'ablation_aquarium', 'results.json')
    main([src, '--baseline', 'faster-rcnn_mnv2-fpn_iou-balanced', '--out', str(tmp_path)])
    text = (tmp_path / 'results.md').read_text()
    # libra 4.8 3.7 3.4 against iou-balanced 6.0 4.2 5.9 (the records' AP per seed)
    assert '| libra-faster-rcnn_mnv2-fpn | faster-rcnn_mnv2-fpn_iou-balanced | 3 | -1.4 [-3.9, +1.1]' in text
    assert '| faster-rcnn_mnv2-fpn | faster-rcnn_mnv2-fpn_iou-balanced | 3 | -2.1 [-3.1, -1.1]' in text
    assert osp.getmtime(src) < osp.getmtime(tmp_path / 'results.md')
    with pytest.raises(SystemExit):
        main([src, '--baseline', 'nosuch', '--out', str(tmp_path)])
    assert "--baseline: no run named 'nosuch' in " in capsys.readouterr().err


def test_several_results_files_make_one_table(tmp_path, capsys):
    """A table split over two runs of the tool (the Faster R-CNN rows, then the RetinaNet pair) joins back into
    the one report of all its runs: the same rows and one Holm family over every test."""
    src = osp.join(REPO, 'docs', 'results', 'ablation_aquarium', 'results.json')
    with open(src) as f:
        data = json.load(f)
    parts = []
    for i, group in enumerate(('faster', 'retinanet')):
        part = dict(data, runs=[r for r in data['runs'] if group in r['baseline']])
        parts.append(tmp_path / f'part{i}.json')
        parts[-1].write_text(json.dumps(part))
    main([src, '--out', str(tmp_path / 'whole')])
    main([str(p) for p in parts] + ['--out', str(tmp_path / 'joined')])
    whole = (tmp_path / 'whole' / 'results.md').read_text()
    assert (tmp_path / 'joined' / 'results.md').read_text() == whole and 'family of the 29 paired t-tests' in whole
    joined = json.loads((tmp_path / 'joined' / 'results.json').read_text())
    assert len(joined['runs']) == 21 and sorted(joined['args']['joined']) == sorted(map(str, parts))
    capsys.readouterr()
    for argv, message in (([str(parts[0]), str(parts[0]), '--out', str(tmp_path)],
                           "config 'faster-rcnn_mnv2-fpn' is already in an earlier results file"),
                          ([str(parts[0]), str(parts[1])], '--out is needed with several results files'),
                          ([str(parts[0]), osp.join(REPO, 'docs', 'results', 'lovasz_car', 'results.json'),
                            '--out', str(tmp_path)], 'mix coco_benchmark.py and seg_seeds.py records')):
        with pytest.raises(SystemExit):
            main(argv)
        assert message in capsys.readouterr().err
