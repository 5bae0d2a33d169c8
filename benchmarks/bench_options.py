# Copyright (c) mmswav contributors. All rights reserved.
"""Benchmark 4: throughput options of mmswav on CPU, each against the fp32 default.

Training step (the model of ``bench_train_step.py``: ResNet-18, 2 x 32 + 4 x 16 crops, batch
128): ``channels_last`` (config key ``model.channels_last=True``), bf16 autocast
(``tools/train.py --amp`` -> ``AutocastOptimWrapper``), both, and ``torch.compile``
(``--cfg-options compile=True``, opt-in here with ``--compile``: it compiles for minutes on
2 cores). Data loading: ``persistent_workers`` on/off over several short epochs of the CIFAR-10
pipeline; ``pin_memory`` only matters with a GPU (reported as not applicable without one).
``--recipe quickstart`` times the quick start's model instead (ResNet-18 CIFAR stem at width
16, 2 x 32 px crops, batch 128, 300 prototypes, from its config), the model that
``tools/train.py --numerics auto`` times on the quick start.
Run: ``python benchmarks/bench_options.py [--compile] [--recipe quickstart]``.
"""
import argparse  # noqa: I001 (common is the local benchmarks/common.py)
import time

import torch

from bench_train_step import build_models, make_inputs, make_step
from common import CPU, alternate, load, machine, report


def autocast(step):
    def run() -> float:
        with torch.autocast('cpu', dtype=torch.bfloat16):
            return step()
    return run


QUICKSTART = 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'


def quickstart_model(channels_last: bool = False, tiny_map_convs: bool = True):
    """The quick start's SwAV from its config (random init, train mode)."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(QUICKSTART)
    cfg.model.update(channels_last=channels_last, tiny_map_convs=tiny_map_convs)
    with DefaultScope.overwrite_default_scope('mmswav'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model.train(), None


def train_step_options(args) -> None:
    torch.set_num_threads(args.threads)
    if args.recipe == 'quickstart':
        build = lambda prototypes, **kw: quickstart_model(**kw)  # noqa: E731
        gen = torch.Generator().manual_seed(0)
        inputs = [torch.randn(args.batch, 3, 32, 32, generator=gen) for _ in range(2)]
    else:
        build, inputs = build_models, make_inputs(args.batch)
    ours, _ = build(args.num_prototypes)
    fast, _ = build(args.num_prototypes, channels_last=True)
    fast.load_state_dict(ours.state_dict())
    with torch.no_grad():
        ref = ours.loss(inputs, None)['loss'].item()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            bf16 = ours.loss(inputs, None)['loss'].item()
        cl = fast.loss(inputs, None)['loss'].item()
    print(f'loss fp32 {ref:.6f}, channels_last {cl:.6f} (diff {abs(cl - ref):.1e}), '
          f'bf16 autocast {bf16:.6f} (diff {abs(bf16 - ref):.1e})')
    plain, _ = build(args.num_prototypes, tiny_map_convs=False)
    plain.load_state_dict(ours.state_dict())
    runs = {'fp32 (default)': make_step(ours, inputs),
            'tiny_map_convs=False': make_step(plain, inputs),
            'channels_last': make_step(fast, inputs),
            'bf16 autocast': autocast(make_step(ours, inputs)),
            'bf16 + channels_last': autocast(make_step(fast, inputs))}
    if args.compile:
        compiled, _ = build(args.num_prototypes)
        compiled.load_state_dict(ours.state_dict())
        compiled.loss = torch.compile(compiled.loss)
        step = make_step(compiled, inputs)
        start = time.perf_counter()
        step()
        print(f'torch.compile: first step (compilation) {time.perf_counter() - start:.0f} s')
        runs['torch.compile'] = step
    print(f'train step options, {args.recipe} recipe, batch {args.batch} | {machine()}')
    rates = alternate(runs, args.repeats)
    for i, name in enumerate(list(runs)[1:]):
        report(rates, name, 'fp32 (default)', 'img/s', rows=i == 0)
    print(f'  ({load()} after the run)')


def loader_options(args) -> None:
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile('configs/_base_/datasets/cifar10_swav_mcrop-2-4.py')
    dl_cfg = cfg.train_dataloader
    dl_cfg.dataset.indices = args.loader_images  # a short epoch
    dl_cfg.num_workers = 2
    print(f'dataloader, {args.loader_images} CIFAR-10 images per epoch, batch '
          f'{dl_cfg.batch_size}, 2 workers, {args.epochs} epochs | {machine()}')
    loaders = {}
    for persistent in (True, False):
        cfg_p = dl_cfg.copy()
        cfg_p.persistent_workers = persistent
        loaders[f'persistent_workers={persistent}'] = Runner.build_dataloader(cfg_p, seed=0)

    def epochs(loader):
        def run() -> float:
            count = 0
            for _ in range(args.epochs):
                for batch in loader:
                    count += len(batch['inputs'][0])
            return count
        return run
    rates = alternate({k: epochs(v) for k, v in loaders.items()}, args.loader_repeats)
    rates = {k: v for k, v in rates.items() if CPU not in k}  # the work is in the workers
    report(rates, 'persistent_workers=True', 'persistent_workers=False', 'img/s')
    if not torch.cuda.is_available():
        print('pin_memory: no GPU here, so there is no host-to-device copy to speed up '
              '(torch ignores it); measure it on a GPU machine')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--num-prototypes', type=int, default=3000)
    parser.add_argument('--repeats', type=int, default=4)
    parser.add_argument('--compile', action='store_true')
    parser.add_argument('--loader-images', type=int, default=512)
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--loader-repeats', type=int, default=3)
    parser.add_argument('--skip', choices=['step', 'loader'], default=None)
    parser.add_argument('--recipe', choices=['bench', 'quickstart'], default='bench',
                        help='bench: ResNet-18 ImageNet stem, 2 x 32 + 4 x 16 (benchmark 1); '
                        'quickstart: the quick-start config\'s model, 2 x 32')
    args = parser.parse_args()
    if args.skip != 'step':
        train_step_options(args)
    if args.skip != 'loader':
        loader_options(args)


if __name__ == '__main__':
    main()
