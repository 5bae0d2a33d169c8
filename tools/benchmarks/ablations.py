# Copyright (c) mmswav contributors. All rights reserved.
"""Pretrain and evaluate every variant of an ablation file, resumably.

    python tools/benchmarks/ablations.py configs/swav/ablations/cifar10_quickstart_ablations.yml \
        --work-dir work_dirs/ablations

Each run (a variant at one seed) trains in ``<work-dir>/<variant>-s<seed>`` with
``tools/train.py`` (``--resume`` when it has a checkpoint), then ``knn.py`` evaluates its last
checkpoint with the run's own resolved config (kNN and the logistic-regression probe on the
whole train / test split). A run with ``result.json`` is skipped; ``random init`` is evaluated
once. After every run ``ablations.json``, ``ablations.md`` and ``ablations.png`` are rewritten
(``ablation_report.py``), so a stopped session keeps everything that finished. Several
runners may share one work dir (e.g. one per core with ``OMP_NUM_THREADS=1``): each run is
taken by one of them through a lock file holding its PID.
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time
from typing import List, Optional, Tuple

import yaml

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from ablation_report import write_report  # noqa: E402
from ablation_variants import cli_options, load_runs  # noqa: E402
from quickstart_summary import cpu_model  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_command(cmd: List[str], log_file: str) -> Tuple[float, float]:
    """Run ``cmd`` from the repository root, output to ``log_file``.

    Returns:
        Tuple[float, float]: Its wall seconds and its CPU seconds (user + system, with its
        dataloader workers): on a shared machine the CPU time is the fair cost.
    """
    start, before = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log_file, 'a') as log:
        code = subprocess.call(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    if code:
        raise RuntimeError(f'{" ".join(cmd)} failed (exit {code}); see {log_file}')
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return time.time() - start, cpu


def evaluate(config: str, checkpoint: str, out: str, args, log_file: str) -> dict:
    cmd = [sys.executable, 'tools/benchmarks/knn.py', config, '--checkpoints', checkpoint,
           '--data-root', args.data_root, '--ks', '20', '200', '--linear', '--no-progress',
           '--train-subset', str(args.knn_train), '--test-subset', str(args.knn_test),
           '--out', out]
    seconds, _ = run_command(cmd, log_file)
    with open(out) as f:
        row = json.load(f)['rows'][0]
    return dict(row, eval_minutes=seconds / 60)


def train_and_evaluate(run: dict, args) -> dict:
    work_dir = osp.join(args.work_dir, run['name'])
    os.makedirs(work_dir, exist_ok=True)
    log_file = osp.join(work_dir, 'ablation.log')
    options = dict(run['options'], **{'train_dataloader.dataset.data_root': args.data_root})
    if args.subset:
        options['train_dataloader.dataset.indices'] = args.subset
    cmd = [sys.executable, 'tools/train.py', run['config'], '--work-dir', work_dir]
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        cmd.append('--resume')
    train_seconds, train_cpu = run_command(cmd + ['--cfg-options', *cli_options(options)],
                                           log_file)
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    resolved = osp.join(work_dir, osp.basename(run['config']))  # dumped by the Runner
    result = dict(run, work_dir=work_dir, checkpoint=checkpoint,
                  pretrain_minutes=train_seconds / 60, pretrain_cpu_minutes=train_cpu / 60,
                  threads=os.environ.get('OMP_NUM_THREADS'),
                  cpu=cpu_model(), cores=os.cpu_count(),
                  resumed='--resume' in cmd)
    result.update(evaluate(resolved, checkpoint, osp.join(work_dir, 'knn.json'), args, log_file))
    return result


def claim(path: str) -> bool:
    """Take ``path`` as a lock file holding our PID (several runners share one list).

    A lock whose process is gone (a killed runner) is taken over; a live one is left alone.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                os.kill(int(open(path).read() or 0), 0)
                return False  # another live runner has it
            except (ProcessLookupError, ValueError):
                os.remove(path)  # stale: its runner died
                continue
        with os.fdopen(fd, 'w') as f:
            f.write(str(os.getpid()))
        return True


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description='Run the SwAV ablations of a variants file')
    parser.add_argument('variants', help='ablation YAML file (config, options, variants)')
    parser.add_argument('--work-dir', default='work_dirs/ablations',
                        help='one sub-dir per run, and the JSON / Markdown / PNG results')
    parser.add_argument('--data-root', help='ImageFolder root with train/ and test/ '
                        '(defaults to the file\'s data_root)')
    parser.add_argument('--only', nargs='+', help='run only these runs (e.g. default-s0)')
    parser.add_argument('--subset', type=int, default=0,
                        help='pretrain on the first N training images only (smoke runs)')
    parser.add_argument('--knn-train', type=int, default=0,
                        help='kNN bank / probe training images (0 = all)')
    parser.add_argument('--knn-test', type=int, default=0, help='test images (0 = all)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    with open(args.variants) as f:
        args.data_root = args.data_root or yaml.safe_load(f).get('data_root')
    all_runs = load_runs(args.variants)
    runs = all_runs
    if args.only:
        missing = set(args.only) - {r['name'] for r in runs}
        if missing:
            raise SystemExit(f'--only: no run named {sorted(missing)} in {args.variants}; '
                             f'runs: {[r["name"] for r in runs]}')
        runs = [r for r in all_runs if r['name'] in args.only]
    os.makedirs(args.work_dir, exist_ok=True)
    random_file = osp.join(args.work_dir, 'random_init.json')
    if not osp.isfile(random_file) and claim(random_file + '.lock'):
        print('[ablations] evaluating random init', flush=True)
        row = evaluate(runs[0]['config'], 'random', osp.join(args.work_dir, 'knn_random.json'),
                       args, osp.join(args.work_dir, 'random_init.log'))
        with open(random_file, 'w') as f:
            json.dump(dict(row, threads=os.environ.get('OMP_NUM_THREADS'), cpu=cpu_model()), f,
                      indent=2)
        os.remove(random_file + '.lock')
    durations = []
    for index, run in enumerate(runs, 1):
        result_file = osp.join(args.work_dir, run['name'], 'result.json')
        if osp.isfile(result_file):
            print(f'[ablations] {index}/{len(runs)} {run["name"]}: done before, skipped')
            continue
        lock = osp.join(args.work_dir, run['name'], 'runner.lock')
        if not claim(lock):
            print(f'[ablations] {index}/{len(runs)} {run["name"]}: another runner has it')
            continue
        start = time.time()
        result = train_and_evaluate(run, args)
        with open(result_file, 'w') as f:
            json.dump(result, f, indent=2)
        os.remove(lock)
        durations.append(time.time() - start)
        remaining = len(runs) - index
        eta = remaining * sum(durations) / len(durations) / 60
        print(f'[ablations] {index}/{len(runs)} {run["name"]}: kNN k=200 '
              f'{result["top1_k200"]:.2f}, linear {result["linear_top1"]:.2f}, '
              f'{durations[-1] / 60:.1f} min; {remaining} left, ETA {eta:.0f} min', flush=True)
        write_report(args.work_dir, all_runs)
    return write_report(args.work_dir, all_runs)


if __name__ == '__main__':
    main()
