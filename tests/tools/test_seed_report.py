"""tools/seed_report.py re-renders a recorded multi-seed report with the current statistics (no training)."""
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
    assert ('| fastscnn_camvid-car_lovasz-ce | fastscnn_camvid-car_ce | 3 | +3.8 [+2.3, +5.3] p_sf 0.25 | '
            '+12.0 [+6.9, +17.1] p_sf 0.25 |') in text  # raw intervals exclude 0; after Holm over 10 tests: no mark
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
