# Copyright (c) mmswav contributors. All rights reserved.
"""How many epochs fit a pretraining budget on this machine, measured, for
``tools/quickstart.sh`` (``QS_MINUTES``).

``python tools/benchmarks/quickstart_budget.py CONFIG --minutes 30 --out plan.json
[--numerics auto] [--cfg-options ...]``: picks the numerics (``auto``: the timing probe of
``tools/train.py``), then runs real training iterations of the config as ``tools/train.py``
does (mmengine's Runner with the same hooks, dataloader workers, model and optimizer in that
setting, in a scratch work dir) and fits the epochs with
:func:`mmswav.utils.time_budget.fit_epochs`. Prints the epochs chosen and why; the JSON has
``epochs``, ``images`` (None: all), ``numerics``.
"""
import time

START = time.time()  # before the imports: tools/train.py pays for them too

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
from typing import Optional, Tuple  # noqa: E402

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('--minutes', type=float, default=30.0, help='pretraining budget')
    parser.add_argument('--numerics', default='auto', help='as tools/train.py --numerics')
    # a window of 20 iterations varies by +-7 % in a run's log: 60 are timed
    parser.add_argument('--iters', type=int, default=60, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=5, help='iterations before timing')
    parser.add_argument('--started-at', type=float, default=None,
                        help='UNIX time the budget started (default: now)')
    parser.add_argument('--out', required=True, help='JSON with the plan')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None)
    args = parser.parse_args()
    if args.warmup < 1 or args.iters < 1:  # the clock starts at the end of a warm-up iteration
        parser.error(f'--warmup ({args.warmup}) and --iters ({args.iters}) must be >= 1')
    return args


class ClockDone(Exception):
    """Raised by :class:`IterationClock` to end the timed run."""


class IterationClock(Hook):
    """Times ``iters`` iterations of a real run after ``warmup`` ones, from one
    ``after_train_iter`` to another: the next batch, ``train_step`` and every hook (logging,
    the SwAV and reliability hooks, an epoch's end and checkpoint when it comes), then stops
    the run with :class:`ClockDone`."""
    priority = 'LOWEST'  # after the other hooks of the iteration

    def __init__(self, warmup: int, iters: int) -> None:
        self.warmup, self.iters, self.count = warmup, iters, 0
        self.start: Optional[float] = None
        self.stop: Optional[float] = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.count += 1
        if self.count == self.warmup:
            self.start = time.perf_counter()
        elif self.count == self.warmup + self.iters:
            self.stop = time.perf_counter()
            raise ClockDone


def time_iterations(cfg: Config, warmup: int, iters: int) -> Tuple[float, int, float]:
    """Run ``cfg``'s training as ``tools/train.py`` does (mmengine's Runner with the
    reliability hooks, in a scratch work dir) for ``warmup + iters`` iterations.

    A bare loop of ``train_step`` calls measured 10-21 % less time per iteration than the
    runs then took (0.248 vs 0.283 s, 0.30-0.33 vs 0.36-0.37 s): the Runner's hooks, its
    dataloader set-up and the epoch ends are timed here as a run has them.

    Returns:
        Tuple[float, int, float]: Wall-clock seconds per iteration after ``warmup``
        iterations, iterations per epoch, and the seconds the set-up took (Runner, dataset
        scan, model, dataloader workers) before the first iteration.
    """
    from mmengine.runner import Runner

    from mmswav.engine.hooks.defaults import add_reliability_hooks
    from mmswav.utils.train_cli import finish_train_config
    cfg = copy.deepcopy(cfg)
    finish_train_config(cfg)
    add_reliability_hooks(cfg)
    cfg.train_cfg.max_epochs = 10**6  # a small dataset goes on into its next epochs
    cfg.log_level = 'WARNING'  # the run's own log says it all again
    clock = IterationClock(warmup, iters)
    begin = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='quickstart_budget_') as work_dir:
        cfg.work_dir = work_dir
        runner = Runner.from_cfg(cfg)
        runner.register_hook(clock)
        try:
            runner.train()
        except ClockDone:
            pass
        iters_per_epoch = len(runner.train_dataloader)
        del runner  # its dataloader workers, before the work dir goes
    iter_s = (clock.stop - clock.start) / iters
    return iter_s, iters_per_epoch, clock.start - begin - warmup * iter_s


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
