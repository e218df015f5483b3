"""benchmarks/bench_gpu.py (the GPU check) runs where only torch is installed: here on CPU, small, with every
OpenMMLab package hidden, writing its JSON and markdown table."""
import json
import os.path as osp
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # trains, spawns processes or builds packages

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BARE = ("import runpy, sys\n"
        "sys.modules.update({m: None for m in ('mmengine', 'mmcv', 'mmdet', 'mmseg')})  # import -> ImportError\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n")


def test_runs_without_openmmlab_on_cpu(tmp_path):
    out_json, out_md = str(tmp_path / 'gpu.json'), str(tmp_path / 'gpu.md')
    proc = subprocess.run([sys.executable, '-c', BARE, osp.join(REPO, 'benchmarks', 'bench_gpu.py'), '--device', 'cpu',
                           '--small', '--out-json', out_json, '--out-md', out_md], cwd=str(tmp_path),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out_json) as f:
        rows = {r['benchmark']: r for r in json.load(f)['rows']}
    assert rows['IoU-balanced sampling, one image: time']['ours'] > 0
    determinism = next(r for name, r in rows.items() if name.endswith('two deterministic runs bit-identical'))
    assert determinism['ours'] is True and determinism['ref_value'] < 1e-3  # ours equals the explicit HW x HW block
    autocast = [r for name, r in rows.items() if 'autocast' in name]
    assert len(autocast) == 14 and all(r['ours'] is True for r in autocast), autocast
    assert {'Lovász hinge per image fwd+bwd 8x64x64', 'IB focal fwd+bwd 8x19x64x64 + features'} <= set(rows)
    with open(out_md) as f:
        assert f.read().startswith('GPU check on ')
