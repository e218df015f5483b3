import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools'))
import seg_report  # noqa: E402

LOG = """11/23 05:05:00 - mmengine - INFO - per class results:
11/23 05:05:00 - mmengine - INFO - 
+------------+-------+-------+
|   Class    |  IoU  |  Acc  |
+------------+-------+-------+
| background | 97.50 | 99.10 |
|    car     | 61.25 |  70.0 |
+------------+-------+-------+
11/23 05:05:00 - mmengine - INFO - Iter(val) [101/101]    aAcc: 97.6000  mIoU: 79.3800  mAcc: 84.5500  data_time: 0.01
"""


def _write(root, name, text):
    path = root / name / '20261123_050000'
    path.mkdir(parents=True)
    (path / '20261123_050000.log').write_text(text)
    return str(root / name)


def test_table_of_two_runs(tmp_path):
    a = _write(tmp_path, 'a', LOG)
    b = _write(tmp_path, 'b', LOG.replace('61.25', '65.00'))
    out = seg_report.table([a, b], ['CE', 'Lovász'])
    assert out.splitlines()[0] == '| class | CE | Lovász |'
    assert '| car | 61.25 | 65.00 |' in out and '| **mIoU** | 79.38 | 79.38 |' in out


def test_missing_results(tmp_path):
    with pytest.raises(ValueError, match='has no per-class results'):
        seg_report.last_results(_write(tmp_path, 'c', 'nothing here'))
    with pytest.raises(FileNotFoundError, match='no log under'):
        seg_report.last_results(str(tmp_path / 'none'))
