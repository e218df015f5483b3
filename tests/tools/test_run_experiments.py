"""tools/run_experiments.sh: every experiment's command parses with its tool's own arguments; unknown names fail first."""
import os.path as osp
import shlex
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
import coco_benchmark  # noqa: E402
import seg_seeds  # noqa: E402

SCRIPT = osp.join(REPO, 'tools', 'run_experiments.sh')
NAMES = ['ablation_val', 'ablation_aquarium', 'ablation_coco128', 'picie_dev', 'picie', 'ib_collapse', 'ib_dev',
         'ib_val', 'lovasz_car']


def _dry_run(*names, **env):
    return subprocess.run(['bash', SCRIPT, *names], capture_output=True, text=True,
                          env=dict(DRY_RUN='1', PATH='/usr/bin:/bin', **env))


def test_every_command_parses_with_its_tool():
    out = _dry_run(DATA='/data')
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith('== ')]
    assert [line[3:].split(':')[0] for line in lines] == NAMES
    for line in lines:
        argv = shlex.split(line.split(': ', 1)[1])
        assert argv[0] == '.venv/bin/python'
        tool, args = argv[1], argv[2:]
        if tool == 'tools/coco_benchmark.py':
            parsed = coco_benchmark.parse_args(args)
            assert parsed.data_root.startswith('/data/')
        else:
            assert tool == 'tools/seg_seeds.py'
            parsed = seg_seeds.parse_args(args)
            assert len(parsed.seeds) >= 3 and all(osp.isfile(osp.join(REPO, c)) for c in parsed.configs)
    command = {line[3:].split(':')[0]: shlex.split(line.split(': ', 1)[1])[2:] for line in lines}
    val = coco_benchmark.parse_args(command['ablation_val'])
    test = coco_benchmark.parse_args(command['ablation_aquarium'])
    assert val.val_ann == 'annotations/val.json' and val.seeds == [0]  # the schedule chosen on val
    assert test.val_ann == 'annotations/test.json' and test.seeds == [0, 1, 2, 3, 4]  # reported on test
    assert test.train_ann == val.train_ann == 'annotations/train.json'
    picie = seg_seeds.parse_args(command['picie'])
    assert picie.seeds == [0, 1, 2, 3, 4]  # the table the README quotes: five seeds
    ib_dev = seg_seeds.parse_args(command['ib_dev'])  # chosen on CamVid train's dev part
    assert ib_dev.cfg_options['val_dataloader.dataset.dev_split'] == 'dev'
    assert ib_dev.cfg_options['train_dataloader.dataset.dev_split'] == 'train'
    ib_val = seg_seeds.parse_args(command['ib_val'])  # reported on val with five seeds, no dev split
    assert ib_val.seeds == [0, 1, 2, 3, 4] and not ib_val.cfg_options
    assert ib_val.work_dir == seg_seeds.parse_args(command['ib_collapse']).work_dir  # its seeds 0-2 reused
    assert set(ib_val.configs) <= set(ib_dev.configs) and ib_val.configs[0] == ib_dev.configs[0]  # CE: the baseline
    assert seg_seeds.parse_args(command['lovasz_car']).seeds == [0, 1, 2, 3, 4]  # quoted in the README too
    assert picie.metrics == ['Acc', 'mIoU', 'Thing_Acc', 'Thing_mIoU', 'Stuff_Acc', 'Stuff_mIoU']
    assert [osp.basename(c) for c in picie.configs] == [f'picie_mnv2-fpn_camvid_{k}.py' for k in
                                                         ('ce', 'focal', 'ibfocal', 'floor')]  # CE: the baseline


@pytest.mark.parametrize('names', [['nosuch'], ['picie', 'nosuch']])
def test_unknown_name_is_an_error_before_anything_runs(names):
    out = _dry_run(*names)
    assert out.returncode == 2 and out.stdout == ''
    assert out.stderr.strip() == ("run_experiments.sh: unknown experiment 'nosuch'; choose from: "
                                  + ' '.join(NAMES))
