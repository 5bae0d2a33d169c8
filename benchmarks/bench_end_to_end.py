# Copyright (c) mmswav contributors. All rights reserved.
"""End to end: the quick-start run's images/s, data included, mmswav vs mmpretrain's SwAV.

Both sides train the quick-start recipe (ResNet-18 CIFAR stem at width 16, 2 x 32 px crops,
batch 128, 300 prototypes, SGD lr 0.2) on the CIFAR-10 training JPEGs: mmswav with the
config as shipped (``FastSwAVView``, our ``SwAV``), mmpretrain 1.2.0 with its own ``SwAV``
(same weights, same data preprocessor) and its own transforms for the same augmentations
(``RandomResizedCrop`` (pillow), flip, ``ColorJitter`` 0.4/0.4/0.4/0.1 p=0.8, grayscale
p=0.2). One iteration = next batch from the dataloader + ``model.train_step`` (data
preprocessor, loss, backward, SGD step), as the runner does; blocks of iterations alternate
between the sides. Two settings: ``--workers 0`` (data in the training process: the process
CPU time counts data + model, robust on a loaded machine) and the config's 1 worker (wall
clock only). Run: ``python benchmarks/bench_end_to_end.py --iters 30``.
"""
import argparse  # noqa: I001 (common / recipes are local benchmark modules)
import copy
import os.path as osp
import statistics
import time

import torch
from common import load, machine
from recipes import CONFIGS, ROOT, mmpretrain_twin

VIEW_MMPRETRAIN = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.14, 1.), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomApply', prob=0.8, transforms=[dict(
        type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)]),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
]


def build_sides(workers: int, data_root: str):
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(CONFIGS['quickstart'])
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmswav'):
        ours = MODELS.build(cfg.model).train()
    ours.head.set_progress(epoch=1, iteration=1000)  # past the 50 frozen iterations
    theirs = mmpretrain_twin(ours, 'quickstart')
    theirs.data_preprocessor = copy.deepcopy(ours.data_preprocessor)
    pipelines = {
        'mmswav': cfg.train_dataloader.dataset.pipeline,
        'mmpretrain': [dict(type='mmpretrain.LoadImageFromFile'),
                       dict(type='mmpretrain.MultiView', num_views=[2],
                            transforms=[VIEW_MMPRETRAIN]),
                       dict(type='mmpretrain.PackInputs')]}
    sides = {}
    for name, model in (('mmswav', ours), ('mmpretrain', theirs)):
        dl = copy.deepcopy(cfg.train_dataloader)
        dl.update(num_workers=workers, persistent_workers=workers > 0)
        dl.dataset.update(data_root=data_root, pipeline=pipelines[name])
        with DefaultScope.overwrite_default_scope('mmswav'):
            loader = Runner.build_dataloader(dl, seed=0)
            optim = build_optim_wrapper(model, dict(type='OptimWrapper', optimizer=dict(
                type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-5)))
        sides[name] = (model, optim, _forever(loader))
    return sides


def _forever(loader):
    while True:
        yield from loader


def run_block(side, iters: int) -> None:
    model, optim, batches = side
    for _ in range(iters):
        model.train_step(next(batches), optim)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--iters', type=int, default=30, help='per side. Defaults to 30.')
    parser.add_argument('--block', type=int, default=5,
                        help='iterations per alternating block. Defaults to 5.')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1],
                        help='dataloader workers settings. Defaults to 0 and 1.')
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data/cifar10-jpg'))
    args = parser.parse_args()
    torch.set_num_threads(1)
    for workers in args.workers:
        sides = build_sides(workers, args.data_root)
        for side in sides.values():
            run_block(side, 2)  # warm-up: workers started, first allocations
        wall = {name: 0.0 for name in sides}
        cpu = {name: 0.0 for name in sides}
        rates = {name: [] for name in sides}
        loads = [load()]
        for block in range(args.iters // args.block):
            order = list(sides) if block % 2 == 0 else list(sides)[::-1]
            for name in order:
                t0, c0 = time.perf_counter(), time.process_time()
                run_block(sides[name], args.block)
                wall[name] += time.perf_counter() - t0
                cpu[name] += time.process_time() - c0
                rates[name].append(128 * args.block / (time.process_time() - c0))
        loads.append(load())
        images = 128 * (args.iters // args.block) * args.block
        print(f'workers={workers}, {images} images per side | {machine()}')
        for name in sides:
            cpu_note = ('process CPU time (data + model)' if workers == 0 else
                        'main-process CPU time (model only; data in the worker)')
            print(f'  {name:<11s} wall {images / wall[name]:7.1f} img/s | {cpu_note} '
                  f'{images / cpu[name]:7.1f} img/s (median block '
                  f'{statistics.median(rates[name]):.1f})')
        print(f'  ratio mmswav / mmpretrain: wall {wall["mmpretrain"] / wall["mmswav"]:.2f}x,'
              f' CPU time {cpu["mmpretrain"] / cpu["mmswav"]:.2f}x | {loads[0]} before, '
              f'{loads[1]} after')
        del sides


if __name__ == '__main__':
    main()
