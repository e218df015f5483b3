"""Run the project's tools from an installed package: ``python -m libra_plugin TOOL [args]``.

    python -m libra_plugin train libra_plugin::ablation/faster-rcnn_mnv2-fpn.py --work-dir work_dirs/x
    python -m libra_plugin benchmark --groups ablation_faster_rcnn --seeds 0 1 2 --data-root data/aquarium/ ...
    python -m libra_plugin configs            # where the shipped configs are

The tools and configs ship inside the package (``libra_plugin/.mim/``, mim's layout; in a source checkout these
are links to ``tools/`` and ``configs/``), so a pip install can train, test and benchmark. The console scripts
``libra-train``, ``libra-test`` and ``libra-benchmark`` are the same commands. Configs are named by path or as
``libra_plugin::<path under configs/>``.
"""
import os.path as osp
import runpy
import sys
from typing import List, Optional

TOOLS = {'train': 'train.py', 'test': 'test.py', 'benchmark': 'coco_benchmark.py', 'report': 'benchmark_report.py',
         'demo': 'demo.py', 'seed-stats': 'seed_stats.py', 'seg-report': 'seg_report.py', 'seg-seeds': 'seg_seeds.py'}
MIM = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim')


def run_tool(tool: str, argv: List[str]) -> None:
    """Run ``tools/<script>`` of :data:`TOOLS` as ``__main__`` with ``argv`` (its directory first on the path)."""
    if tool not in TOOLS:
        raise SystemExit(f'unknown tool {tool!r}; choose from {sorted(TOOLS)} or "configs"')
    script = osp.join(MIM, 'tools', TOOLS[tool])
    if not osp.isfile(script):
        raise SystemExit(f'{script} is missing: this libra_plugin install has no tools; reinstall the package')
    sys.argv = [script, *argv]
    sys.path.insert(0, osp.dirname(script))
    runpy.run_path(script, run_name='__main__')


def main(argv: Optional[List[str]] = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip() + f'\n\ntools: {", ".join(sorted(TOOLS))}')
        return
    if argv[0] == 'configs':
        print(osp.realpath(osp.join(MIM, 'configs')))
        return
    run_tool(argv[0], argv[1:])


def train() -> None:
    run_tool('train', sys.argv[1:])


def test() -> None:
    run_tool('test', sys.argv[1:])


def benchmark() -> None:
    run_tool('benchmark', sys.argv[1:])


if __name__ == '__main__':
    main()
