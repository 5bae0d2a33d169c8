# Copyright (c) mmswav contributors. All rights reserved.
"""How many epochs fit a pretraining budget on this machine, measured, for
``tools/quickstart.sh`` (``QS_MINUTES``).

``python tools/benchmarks/quickstart_budget.py CONFIG --minutes 30 --out plan.json
[--numerics auto] [--cfg-options ...]``: picks the numerics (``auto``: the timing probe of
``tools/train.py``), then runs real training iterations of the config as ``tools/train.py``
would (its dataloader with its workers, its model and optimizer in that setting, batch after
batch) and fits the epochs with :func:`mmswav.utils.time_budget.fit_epochs`. Prints the
epochs chosen and why; the JSON has ``epochs``, ``images`` (None: all), ``numerics``.
"""
import time

START = time.time()  # before the imports: tools/train.py pays for them too

import argparse  # noqa: E402
import json  # noqa: E402
from typing import Iterable, Iterator, Tuple  # noqa: E402

from mmengine.config import Config, DictAction  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('--minutes', type=float, default=30.0, help='pretraining budget')
    parser.add_argument('--numerics', default='auto', help='as tools/train.py --numerics')
    # 20 timed iterations measured 0.30-0.33 s where the runs took 0.36-0.37 s (a window of
    # 20 varies by +-7 % in a run's log); 60 measured 0.353 s (docs/quickstart_results.md)
    parser.add_argument('--iters', type=int, default=60, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=5, help='iterations before timing')
    parser.add_argument('--started-at', type=float, default=None,
                        help='UNIX time the budget started (default: now)')
    parser.add_argument('--out', required=True, help='JSON with the plan')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    return parser.parse_args()


def endless(loader: Iterable) -> Iterator:
    """The loader's batches, epoch after epoch."""
    while True:
        yield from loader


def time_iterations(cfg: Config, warmup: int, iters: int) -> Tuple[float, int, float]:
    """Run ``cfg``'s training as ``tools/train.py`` would, on this machine.

    Returns:
        Tuple[float, int, float]: Wall-clock seconds per iteration (next batch +
        ``train_step``) after ``warmup`` iterations, iterations per epoch, and the seconds
        the set-up took (dataset scan, model, dataloader workers) before the first batch.
    """
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    from mmswav.registry import MODELS
    begin = time.perf_counter()
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmswav')):
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.train()
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        batches = endless(loader)  # a small dataset starts its next epoch, as training
        for i in range(warmup + iters):
            if i == warmup:
                start = time.perf_counter()
            model.train_step(next(batches), optim_wrapper=wrapper)
        iter_s = (time.perf_counter() - start) / iters
    return iter_s, len(loader), start - begin - warmup * iter_s


def main() -> None:
    args = parse_args()
    started = args.started_at or START
    import torch

    from mmswav.engine.numerics import resolve_numerics
    from mmswav.utils import register_all_modules
    from mmswav.utils.time_budget import fit_epochs
    register_all_modules(init_default_scope=False)
    imported = time.time()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    setting, line = resolve_numerics(cfg, args.numerics)
    if line:
        print(f'[quickstart] {line}')
    batch = cfg.train_dataloader.batch_size
    iter_s, iters_per_epoch, setup_s = time_iterations(cfg, args.warmup, args.iters)
    # the budget so far (this tool), then tools/train.py's own start (imports and the set-up
    # measured here; it gets the setting explicitly, so no second timing probe)
    startup = time.time() - started + imported - started + setup_s
    plan = fit_epochs(args.minutes, iter_s, iters_per_epoch, startup, batch)
    threads = torch.get_num_threads()
    print(f'[quickstart] budget {args.minutes:g} min on {threads} torch thread(s), numerics '
          f'{setting or "as configured"}: {plan.reason} -> expect {plan.minutes:.1f} min')
    with open(args.out, 'w') as f:
        json.dump(dict(epochs=plan.epochs, images=plan.images, numerics=setting,
                       iter_s=iter_s, iters_per_epoch=iters_per_epoch, startup_s=startup,
                       budget_minutes=args.minutes, expected_minutes=plan.minutes,
                       reason=plan.reason, torch_threads=threads, numerics_line=line,
                       measure_s=time.time() - started),
                  f, indent=2)


if __name__ == '__main__':
    main()
