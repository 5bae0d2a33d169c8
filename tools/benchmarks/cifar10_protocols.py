# Copyright (c) mmswav contributors. All rights reserved.
"""The CIFAR-10 evaluation protocols of issue 12 for random init and a SwAV checkpoint.

    OMP_NUM_THREADS=1 python tools/benchmarks/cifar10_protocols.py \\
        work_dirs/quickstart/epoch_8.pth work_dirs/cifar10_protocols

Runs, for ``random`` and the checkpoint: semi-supervised fine-tuning on 1 % and 10 % of the
labels (``semi1``, ``semi10``), the SVM on feature1..5 with low-shot k = 1..96 (``svm``), and
the multi-head linear probe on feature1..5 (``mhead``). Each part writes
``<work_dir>/<init>/<part>/result.json`` when it finishes and is skipped when that file exists;
an interrupted fine-tuning resumes from its last checkpoint. The table (SwAV vs random, wall
time, threads, machine) goes to ``<work_dir>/cifar10_protocols.{json,md}``.
``--smoke``: 1 epoch, 2 low-shot ks and 2 costs, to check the pipeline on a tiny ImageFolder.
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import semi_supervised_split  # noqa: E402
from cifar10_report import write_report  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CIFAR = 'configs/benchmarks/classification/cifar10/'
CONFIGS = dict(semi1=CIFAR + 'resnet18_semi-1pct-1xb64-steplr-50e_cifar10.py',
               semi10=CIFAR + 'resnet18_semi-10pct-1xb128-steplr-20e_cifar10.py',
               mhead=CIFAR + 'resnet18_mhead_linear-1xb256-coslr-5e_cifar10.py')
PRETRAIN = 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'
PARTS = ('semi1', 'semi10', 'svm', 'mhead')
MHEAD_POOLS = ('8', '8', '6', '4', '2')  # the mhead config's, so both tables see one feature


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='CIFAR-10 semi-supervised, SVM and '
                                     'multi-head protocols: SwAV checkpoint vs random init')
    parser.add_argument('checkpoint', help='SwAV pretraining checkpoint (e.g. the quick '
                        "start's work_dirs/quickstart/epoch_8.pth)")
    parser.add_argument('work_dir', help='results and one sub-folder per init and part')
    parser.add_argument('--data-root', default='data/cifar10-jpg',
                        help='ImageFolder with train/ and test/')
    parser.add_argument('--parts', nargs='+', default=list(PARTS), choices=PARTS)
    parser.add_argument('--inits', nargs='+', default=['random', 'swav'],
                        choices=['random', 'swav'])
    parser.add_argument('--svm-train-subset', type=int, default=5000,
                        help='class-balanced training images of the SVMs (0 = all 50,000; '
                        'the cost sweep grows ~N^1.65: ~4 min per layer at 5,000, ~3 h at '
                        '50,000 on one core)')
    parser.add_argument('--smoke', action='store_true',
                        help='1 epoch per fine-tuning, a short SVM sweep (pipeline check)')
    return parser.parse_args(argv)


def run(cmd, log_file: str) -> None:
    """Run ``cmd`` from the repository root, its output appended to ``log_file``."""
    print(f'[cifar10] {" ".join(cmd)}\n[cifar10]   log: {log_file}', flush=True)
    with open(log_file, 'a') as log:
        code = subprocess.call(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    if code:
        raise SystemExit(f'[cifar10] failed (exit {code}); see {log_file}, then rerun the '
                         'same command: finished parts are skipped')


def last_metrics(work_dir: str, prefix: str) -> dict:
    """The last validation record with keys starting with ``prefix`` in the run's
    ``<time>/vis_data/scalars.json`` files (the newest run last)."""
    found = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        for line in open(path):
            record = json.loads(line)
            if any(k.startswith(prefix) for k in record):
                found = {k: v for k, v in record.items() if k.startswith(prefix)}
    if not found:
        raise RuntimeError(f'no {prefix}* metric in {work_dir}/*/vis_data/scalars.json')
    return found


def train_part(part: str, init: str, args, out: str) -> dict:
    data = osp.abspath(args.data_root)
    options = [f'{loader}.dataset.data_root={data}'
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    options.append('model.backbone.init_cfg=None' if init == 'random' else
                   f'model.backbone.init_cfg.checkpoint={osp.abspath(args.checkpoint)}')
    if part.startswith('semi'):
        split = osp.join(osp.abspath(args.work_dir), 'splits', f'train_{part[4:]}percent.txt')
        options.append(f'train_dataloader.dataset.ann_file={split}')
    if args.smoke:
        options += ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1']
    run([sys.executable, 'tools/train.py', CONFIGS[part], '--work-dir', out,
         '--resume-if-possible', '--cfg-options', *options], osp.join(out, 'run.log'))
    return last_metrics(out, 'mhead/' if part == 'mhead' else 'accuracy/')


def svm_part(init: str, args, out: str) -> dict:
    cmd = [sys.executable, 'tools/benchmarks/svm.py', PRETRAIN, '--checkpoint',
           'random' if init == 'random' else osp.abspath(args.checkpoint),
           '--imagefolder', osp.abspath(args.data_root), '--train-subset',
           str(args.svm_train_subset), '--pool-sizes', *MHEAD_POOLS, '--low-shot',
           '--out', osp.join(out, 'svm.json')]
    if args.smoke:
        cmd += ['--low-shot-ks', '1', '2', '--costs', '0.1', '1', '--low-shot-runs', '2']
    run(cmd, osp.join(out, 'run.log'))
    with open(osp.join(out, 'svm.json')) as f:
        svm = json.load(f)
    return dict(best_layer=svm['best_layer'], best_mAP=svm['best_mAP'],
                best_top1=max(svm['rows'], key=lambda r: r['mAP']).get('top1'),
                layers={r['layer']: r['mAP'] for r in svm['rows']},
                low_shot=svm.get('low_shot', {}), num_train=svm['num_train'])


def machine() -> dict:
    cpu = platform.processor()
    if osp.isfile('/proc/cpuinfo'):
        names = [line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo')
                 if line.startswith('model name')]
        cpu = names[0] if names else cpu
    return dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                omp_num_threads=os.environ.get('OMP_NUM_THREADS', 'unset'))


def main(argv=None) -> dict:
    args = parse_args(argv)
    if 'swav' in args.inits and not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint {args.checkpoint} does not exist: pretrain first '
                         '(bash tools/quickstart.sh) or pass --inits random')
    os.makedirs(args.work_dir, exist_ok=True)
    splits = osp.join(args.work_dir, 'splits')
    if {'semi1', 'semi10'} & set(args.parts) and not osp.isfile(
            osp.join(splits, 'train_10percent.txt')):
        semi_supervised_split.main([osp.join(args.data_root, 'train'), '--percent', '1',
                                    '10', '--out-dir', splits])
    results = {}
    for init in args.inits:
        for part in args.parts:
            out = osp.join(args.work_dir, init, part)
            done = osp.join(out, 'result.json')
            if not osp.isfile(done):
                os.makedirs(out, exist_ok=True)
                start = time.time()
                metrics = (svm_part(init, args, out) if part == 'svm' else
                           train_part(part, init, args, out))
                with open(done, 'w') as f:
                    json.dump(dict(metrics=metrics, minutes=(time.time() - start) / 60,
                                   machine=machine(), smoke=args.smoke), f, indent=2)
            with open(done) as f:
                results.setdefault(part, {})[init] = json.load(f)
            print(f'[cifar10] {init} {part}: done ({results[part][init]["minutes"]:.1f} min)')
    summary = dict(checkpoint=args.checkpoint, data_root=args.data_root, machine=machine(),
                   svm_train_subset=args.svm_train_subset, smoke=args.smoke, results=results)
    write_report(summary, osp.join(args.work_dir, 'cifar10_protocols'))
    return summary


if __name__ == '__main__':
    main()
