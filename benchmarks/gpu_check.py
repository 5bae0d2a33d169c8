# Copyright (c) mmswav contributors. All rights reserved.
"""GPU acceptance check (issue 16): one command, <= 8 minutes on one H200-class GPU.

Parts, each in its own forked process with its own time limit (a slow part cannot eat the
others' time) and its rows appended to ``<out>/part_<x>.jsonl`` as each setting finishes:

a. published model (ResNet-50, 2 x 224 + 6 x 96, LARC), batch 32 / 64, fp32 / AMP fp16 /
   bf16, with and without channels_last: images/s, loss, peak memory, mmswav vs mmpretrain;
b. Sinkhorn under fp16 / bf16 autocast, epsilon 0.05 / 0.03, unit-norm and badly scaled
   scores: inf / NaN in mmswav's and mmpretrain's codes and losses;
c. the CIFAR-10 GPU config through ``tools/train.py`` for what fits in its time, online
   kNN every epoch (needs CIFAR-10 in ``data/cifar10-jpg`` or ``../shared/data``);
d. SyncBN in one process; DDP over 2 processes on the one device (NCCL, else gloo on the
   device's tensors): first-step loss and weights against one process on the whole batch;
e. the data side: data wait against the step time at 8 workers on a generated
   ImageNet-format folder (JPEGs of ImageNet-like sizes).

After every part ``<out>/gpu_check.json`` and ``<out>/gpu_check.md`` are rewritten.
``--dry-run``: the same code on CPU at tiny sizes (ResNet-18, few images, 1-2 iterations;
fp16 simulated with bf16 autocast on CPU and marked so). Run: ``bash benchmarks/gpu_check.sh``.
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import sys
import time

# torch.cuda.is_available() through NVML: no CUDA driver state in this process (or a part,
# before it forks its ranks), so the forked children can use the GPU
os.environ.setdefault('PYTORCH_NVML_BASED_CUDA_CHECK', '1')
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from gpu_check_report import write_report  # noqa: E402

# seconds per part on the GPU (8 minutes in all, with ~20 s of slack for start-up)
BUDGETS = dict(a=150, b=25, c=160, d=50, e=65)
DRY_BUDGETS = dict(a=60, b=30, c=90, d=60, e=60)


def sizes(dry_run: bool) -> dict:
    """Everything that differs between the GPU run and the CPU dry run."""
    if dry_run:
        return dict(overrides=dict(backbone=dict(depth=18), neck=dict(
            in_channels=512, hid_channels=64), head=dict(num_prototypes=100)),
            crops=[64, 64] + [32] * 6, batches=[2], warmup=1, iters=1,
            sinkhorn_shape=(64, 100), c_epochs=1, c_per_class=(6, 3), c_batch=20,
            d_depth=18, d_crops=[64, 64, 32, 32], d_batch=4, e_images=16,
            e_size=(160, 120), e_workers=1, e_batch=2, e_iters=2)
    return dict(overrides={}, crops=[224] * 2 + [96] * 6, batches=[32, 64], warmup=3,
                iters=10, sinkhorn_shape=(4096, 3000), c_epochs=40, c_batch=512, d_depth=50,
                d_crops=[128, 128, 64, 64], d_batch=16,
                e_images=3000, e_size=(500, 375), e_workers=8, e_batch=64, e_iters=30)


def _preload() -> None:
    """Import torch, mmpretrain and mmswav once here: the forked parts share them (this
    process never initialises CUDA, so forking stays safe)."""
    import gpu_check_data  # noqa: F401
    import gpu_check_dist  # noqa: F401
    import gpu_check_parts  # noqa: F401
    from mmpretrain.utils import register_all_modules as pretrain_register

    from mmswav.utils import register_all_modules
    pretrain_register(init_default_scope=False)
    register_all_modules(init_default_scope=False)


def _run_part(name: str, args, path: str) -> None:
    from gpu_check_data import part_c, part_e
    from gpu_check_dist import part_d
    from gpu_check_parts import part_a, part_b
    parts = dict(a=part_a, b=part_b, c=part_c, d=part_d, e=part_e)

    def emit(row: dict) -> None:
        with open(path, 'a') as f:
            f.write(json.dumps(row) + '\n')
    parts[name](args, sizes(args.dry_run), emit)


def run_parts(args) -> dict:
    budgets = DRY_BUDGETS if args.dry_run else BUDGETS
    deadline = time.monotonic() + args.total_s
    status = {}
    _preload()
    ctx = mp.get_context('fork')  # this process never touches the GPU
    for name in args.parts:
        path = osp.join(args.out_dir, f'part_{name}.jsonl')
        if osp.exists(path):
            os.remove(path)
        limit = min(budgets[name], deadline - time.monotonic())
        if limit < 5:
            status[name] = 'not run: the total time was spent'
            continue
        start = time.monotonic()
        proc = ctx.Process(target=_run_part, args=(name, args, path))
        proc.start()
        proc.join(limit)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()
            status[name] = f'stopped at its time limit of {limit:.0f} s (finished rows kept)'
        elif proc.exitcode:
            status[name] = f'failed (exit code {proc.exitcode}; see the log above)'
        else:
            status[name] = 'ok'
        status[name] += f', {time.monotonic() - start:.0f} s'
        print(f'[gpu_check] part {name}: {status[name]}', flush=True)
        write_report(args, status)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dry-run', action='store_true',
                        help='run everything on CPU at tiny sizes (the CI test does this)')
    parser.add_argument('--out-dir', default='work_dirs/gpu_check',
                        help='where the JSON, Markdown and part files go. '
                        'Defaults to work_dirs/gpu_check.')
    parser.add_argument('--parts', nargs='+', default=list('abcde'), choices=list('abcde'),
                        help='parts to run. Defaults to all.')
    parser.add_argument('--total-s', type=float, default=470,
                        help='time limit of the whole check in seconds. Defaults to 470.')
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    status = run_parts(args)
    json_path, md_path = write_report(args, status)
    print(f'[gpu_check] wrote {json_path} and {md_path}')
    print(open(md_path).read())


if __name__ == '__main__':
    main()
