"""The experiment runner: configs over seeds for mmdet and mmseg alike, resumable, one record per run, one report.

    python -m libra_plugin run NAME|CONFIG... [--seeds 0 1 2 3 4] [--gpus N] [--data DIR] [--cfg-options k=v ...]

A run is (config, seed, data): **prepare** (the config with the experiment's data and options applied, its
``randomness.seed``, its work dir ``work_dirs/<experiment>/<config>/seed<k>``) → **resume or skip** → **train**
(``python -m libra_plugin train``, one process, or N through torch's distributed launcher) → **evaluate** (a
detector: mmdet's COCO metrics of the last checkpoint on the validation split, ``python -m libra_plugin test``; a
segmenter, supervised or PiCIE: the last validation of the training, with mmseg's per-class IoU) → **record**
(``results/<experiment>/<config>/seed<k>/run.json``; paths relative to the repository, the data folder as ``data/``).

One resume semantics for both hosts:

* a run with a record is finished and never trained again; if the config it would be made from now differs from the
  record's (its text, work dir aside), the command stops before training anything and names the run — records are
  evidence, a changed config is a new experiment;
* an unfinished run whose work dir holds checkpoints of the same config text continues from the newest complete one;
  checkpoints of another config are set aside and it starts afresh;
* the training log is appended to (``train.log``, one header per start), and the training time of a record is the
  sum over its starts, with ``resumed`` true when there was more than one (reports average the never-resumed runs).

An experiment marked frozen (superseded, or a finished development run whose configs have changed since) trains
nothing: ``run`` re-renders its report from its records. After every finished
run the report (``results/<experiment>/results.md``, by :mod:`libra_plugin.cli.report`) is rewritten.
"""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

from . import records
from .config_tools import load, set_coco_data, use_faster_coco_eval
from .experiments import Experiment
from .report import write as write_report

PROGRESS = ('Iter(train)', 'Epoch(train)', 'Iter(val)', 'Epoch(val)', 'bbox_mAP_copypaste', 'mIoU:', 'Error',
            'error', 'switching')
MIM = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim')


def resolve_config(path: str) -> str:
    """A config path as given (from the current directory), else the shipped one (``libra_plugin/.mim/``);
    ``mmdet::x.py`` stays. A missing config is an error naming both places."""
    if '::' in path or osp.isfile(path):
        return path
    shipped = osp.join(MIM, path)
    if osp.isfile(shipped):
        return shipped
    raise FileNotFoundError(f'config {path!r} is neither a file (from {os.getcwd()}) nor a shipped config '
                            f'(libra_plugin/.mim/{path})')


def run_name(config: str) -> str:
    return osp.splitext(osp.basename(config.split('::')[-1]))[0]


def task_of(cfg) -> str:
    """``'det'`` for an mmdet config, ``'seg'`` for an mmseg one (PiCIE included)."""
    scope = cfg.get('default_scope', 'mmdet')
    if scope not in ('mmdet', 'mmseg'):
        raise ValueError(f'the experiment tool runs mmdet and mmseg configs; this one has default_scope={scope!r}')
    return 'det' if scope == 'mmdet' else 'seg'


def same_config(a: str, b: str) -> bool:
    """Two dumped configs with the same settings (as parsed: key order aside), their ``work_dir`` aside."""
    from mmengine.config import Config
    if a == b:
        return True
    try:
        parsed = [Config.fromstring(t, file_format='.py').to_dict() for t in (a, b)]
    except Exception:  # noqa: BLE001  (a text that no longer parses is not the same config)
        return False
    for d in parsed:
        d.pop('work_dir', None)
    return parsed[0] == parsed[1]


class Run:
    """One (config, seed) of an experiment: where it works and records, and the config it is made from."""

    def __init__(self, exp: Experiment, config: str, seed: int, data: str, cfg_options: dict):
        self.exp, self.config, self.seed, self.data = exp, config, seed, data
        self.name = run_name(config)
        self.work_rel = osp.join('work_dirs', exp.name, self.name, f'seed{seed}')
        self.work = osp.abspath(self.work_rel)
        self.record_path = osp.join('results', exp.name, self.name, f'seed{seed}', 'run.json')
        self.text = self._prepare(cfg_options)

    def _prepare(self, cfg_options: dict) -> str:
        for var, sub in self.exp.env.items():  # configs that read their data root from the environment
            os.environ[var] = osp.join(self.data, sub)
        cfg = load(resolve_config(self.config))
        self.task = task_of(cfg)
        if self.exp.coco:
            c = self.exp.coco
            set_coco_data(cfg, osp.join(self.data, c['root']), c['train_ann'], c['train_img'], c['val_ann'],
                          c['val_img'])
        if self.task == 'det' and importlib.util.find_spec('faster_coco_eval') is not None:
            use_faster_coco_eval(cfg)  # CocoMetric's numbers, faster (without the fast-eval extra: CocoMetric)
        cfg.merge_from_dict(dict(self.exp.cfg_options, **cfg_options))
        if self.task == 'det':
            cfg.randomness = dict(seed=self.seed, deterministic=False)
        else:
            cfg.randomness = dict(cfg.get('randomness', {}), seed=self.seed)
        cfg.work_dir = self.work
        os.makedirs(self.work, exist_ok=True)
        self.config_file = osp.join(self.work, 'config.py')
        cfg.dump(self.config_file)
        with open(self.config_file) as f:
            return records.portable(f.read(), self.data, self.work, self.work_rel)

    def record(self) -> Optional[dict]:
        """This run's record, or None."""
        return records.read_record(self.record_path)

    def train(self, gpus: int) -> dict:
        """Train (or resume) in a child process; returns the training time and starts so far
        (``work/sessions.json``, kept across interrupted invocations)."""
        sessions = osp.join(self.work, 'sessions.json')
        resume = records.start_training(self.work, self.text)
        so_far = (records.read_record(sessions) if resume else None) or dict(train_s=0.0, resumed=False)
        print(f'    {self.name} seed {self.seed}: training' + (' (resuming)' if resume else ''), flush=True)
        tool = ['-m', 'libra_plugin.cli.train', self.config_file, '--work-dir', self.work]
        start = time.time()
        stream(_launch(tool + (['--resume'] if resume else []), gpus), osp.join(self.work, 'train.log'))
        so_far = dict(train_s=so_far['train_s'] + time.time() - start, resumed=so_far['resumed'] or resume)
        records.save_json(sessions, so_far)
        return so_far

    def evaluate(self, gpus: int) -> Dict[str, float]:
        if self.task == 'seg':
            return seg_metrics(self.work)
        with open(osp.join(self.work, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        test_work = osp.join(self.work, 'test')
        predictions = osp.join(test_work, 'predictions.pkl')
        stream(_launch(['-m', 'libra_plugin.cli.test', self.config_file, ckpt, '--work-dir', test_work, '--out',
                        predictions], gpus), osp.join(self.work, 'test.log'))
        records.save_detections(predictions, osp.join(osp.dirname(self.record_path), 'detections.json.gz'))
        stamp = sorted(d for d in os.listdir(test_work) if d[:1].isdigit())[-1]
        with open(osp.join(test_work, stamp, stamp + '.json')) as f:
            return {k: v for k, v in json.load(f).items() if '/' in k}  # coco/..., not the timings


def _launch(tool: List[str], gpus: int) -> List[str]:
    if gpus <= 1:
        return [sys.executable] + tool
    return [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={gpus}',
            f"--master_port={os.environ.get('PORT', '29500')}"] + tool + ['--launcher', 'pytorch']


def stream(cmd: List[str], log_path: str) -> None:
    """Run ``cmd``, append its whole output to ``log_path`` (one header per start) and echo the progress lines."""
    with open(log_path, 'a') as log:
        log.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} $ {' '.join(cmd)}\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            log.write(line)
            if any(k in line for k in PROGRESS):
                print('      ' + line.rstrip()[:160], flush=True)
    if proc.wait() != 0:
        raise RuntimeError(f'{cmd[2]} failed (exit {proc.returncode}); the whole output is in {log_path}')


def seg_metrics(work: str) -> Dict[str, float]:
    """The last validation's metrics of the training that made the checkpoints, with the per-class IoU that mmseg's
    IoUMetric prints but does not log."""
    rows = [row for row in records.training_rows(work) if 'mIoU' in row]
    if not rows:
        raise RuntimeError(f'{work}: the run logged no validation (mIoU); is val_interval within the schedule?')
    metrics = {k: v for k, v in rows[-1].items() if k not in ('step', 'epoch', 'iter', 'data_time', 'time')}
    if not any(k.startswith('IoU.') for k in metrics):
        per_class, _ = records.last_seg_results(work)
        metrics.update({f'IoU.{name}': value for name, value in per_class.items()})
    return metrics


def curves(work: str, task: str, val_interval: Optional[int]) -> dict:
    """The training loss per logged iteration and every validation, of the training that made the checkpoints; a
    detector's validations logged by epoch in an iteration schedule (all at step 0) are placed at k x interval."""
    out = dict(loss=[], val=[])
    for row in records.training_rows(work):
        if 'loss' in row:
            out['loss'].append([row['step'], row['loss']])
        elif any(k.startswith('coco/') for k in row) or 'mIoU' in row:
            out['val'].append(dict(row))
    steps = [row['step'] for row in out['val']]
    if task == 'det' and val_interval and steps and (steps[0] <= 0 or any(b <= a for a, b in zip(steps, steps[1:]))):
        for k, row in enumerate(out['val']):
            row['step'] = (k + 1) * val_interval
    return out


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f'{m // 60}:{m % 60:02d}:{s:02d}'


def run_experiment(exp: Experiment, seeds: Optional[List[int]] = None, gpus: int = 1, data: str = 'data/',
                   cfg_options: Optional[dict] = None) -> str:
    """Train what is missing of ``exp`` (module doc), record each run, write the report; returns its markdown."""
    if exp.frozen:
        return report_all(exp, recorded(exp))
    names = [run_name(c) for c in exp.configs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        clash = [c for c in exp.configs if run_name(c) in twice]
        raise ValueError(f'configs {clash} share the run name {twice[0]!r} (their file name): their runs would '
                         'overwrite each other; rename one')
    if seeds is not None and len(set(seeds)) != len(seeds):
        raise ValueError(f'--seeds has repeated seeds: {seeds}')
    runs = [Run(exp, config, seed, data, cfg_options or {}) for config, seed in exp.runs(seeds)]
    changed = [r for r in runs if r.record() and not same_config(r.record()['config_text'], r.text)]
    if changed:
        raise RuntimeError('these runs have records made from another config text than the configs give now; '
                           'records are not overwritten (rename the experiment, or move the records away): '
                           + ', '.join(f'{r.record_path}' for r in changed))
    todo = [r for r in runs if r.record() is None]
    print(f'{exp.name}: {len(runs) - len(todo)} of {len(runs)} runs recorded, {len(todo)} to train', flush=True)
    done, start, trained = [], time.time(), []
    for k, run in enumerate(runs, 1):
        rec = run.record()
        fresh = rec is None
        if fresh:
            eta = f', ETA {_clock(sum(trained) / len(trained) * len(todo))}' if trained else ''
            print(f'[run {k}/{len(runs)}] {run.name} seed {run.seed}: {len(trained) + 1} of the '
                  f'{len(trained) + len(todo)} to train (elapsed {_clock(time.time() - start)}{eta})', flush=True)
            t0 = time.time()
            config = osp.relpath(run.config) if osp.abspath(run.config).startswith(os.getcwd() + os.sep) else run.config
            rec = dict(name=run.name, seed=run.seed, config=config, task=run.task, **run.train(gpus),
                       metrics=run.evaluate(gpus), config_text=run.text)
            from mmengine.config import Config
            rec['curves'] = curves(run.work, run.task, Config.fromfile(run.config_file).train_cfg.get('val_interval'))
            records.save_json(run.record_path, rec)
            todo.remove(run)
            trained.append(time.time() - t0)
        done.append({k: v for k, v in rec.items() if k != 'config_text'})
        if fresh and run is not runs[-1]:
            report_all(exp, done)  # a partial report while the rest trains
    return report_all(exp, done, bootstrap(exp, runs, data) if exp.bootstrap and exp.coco else None)


def bootstrap(exp: Experiment, runs: List[Run], data: str) -> dict:
    """The paired bootstrap over images and seeds of a finished detection experiment (:mod:`.images`), from each
    run's recorded detections; images from the experiment's ``coco`` validation annotations."""
    from .images import image_matches, paired_bootstrap
    ann = osp.join(data, exp.coco['root'], exp.coco['val_ann'])
    matches: Dict[str, Dict[int, dict]] = {}
    for run in runs:
        matches.setdefault(run.name, {})[run.seed] = image_matches(
            ann, osp.join(osp.dirname(run.record_path), 'detections.json.gz'))
    print(f'{exp.name}: paired bootstrap over images and seeds (2000 replicates)', flush=True)
    return paired_bootstrap(matches, exp.spec()['baselines'])


def recorded(exp: Experiment) -> List[dict]:
    """The records of a frozen experiment (whose configs no longer make them), without their config text; a missing
    one is an error (it cannot be trained again)."""
    found = []
    for config, seed in exp.runs():
        path = osp.join('results', exp.name, run_name(config), f'seed{seed}', 'run.json')
        rec = records.read_record(path)
        if rec is None:
            raise RuntimeError(f'{exp.name} is frozen ({exp.frozen}): it trains nothing, and {path} is missing')
        found.append({k: v for k, v in rec.items() if k != 'config_text'})
    return found


def report_all(exp: Experiment, runs: List[dict], boot: Optional[dict] = None) -> str:
    """The experiment's report and its views' from ``runs``; returns the main report's markdown. The runs of the
    experiment it compares with (``compare``) are read from their records and stored in its results.json."""
    for view, spec in exp.view_specs().items():
        write_report(spec, [r for r in runs if r['name'] in spec['order']], osp.join('results', exp.name, view))
    reference = None
    if exp.compare:
        other = osp.join('results', exp.compare['experiment'], 'results.json')
        with open(other) as f:
            wanted = set(exp.compare['pairs'].values())
            reference = [r for r in json.load(f)['runs'] if r['name'] in wanted]
    path = osp.join('results', exp.name)
    if boot is None and osp.isfile(osp.join(path, 'results.json')):  # keep an earlier bootstrap of the same runs
        with open(osp.join(path, 'results.json')) as f:
            earlier = json.load(f)
        if len(earlier['runs']) == len(runs):
            boot = earlier.get('bootstrap')
    return write_report(exp.spec(), runs, path, reference, boot)
