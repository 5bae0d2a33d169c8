# Copyright (c) mmswav contributors. All rights reserved.
"""``--numerics auto``: time real training steps of every setting, keep the fastest that
agrees with float32.

Before the Runner exists, on one batch of the run's own training data: the config's model
(its initial weights, copied into every candidate), the config's optimizer wrapper, and
``model.train_step`` as the training loop calls it. The first step of every candidate starts
from the same weights, so its loss is compared with float32's; then the candidates take
turns, one step each, until the time budget is spent. Nothing of the run is touched: the
models and optimizers are the probe's own, and the global random states are restored.
"""
import copy
import math
import random
import time
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import numpy as np
import torch

# bf16 keeps 8 bits of mantissa (relative rounding 2**-9 = 0.2 % per operation); the sums
# average that out: the quick start's first-step loss (about ln K = 5.7) moved by 1e-4
# relative in bf16 (5.8943 vs 5.8947). 1 % is 100x that and still far below what a broken
# setting gives (a NaN, or a loss off by tens of percent when logits overflow or the
# Sinkhorn degenerates).
LOSS_RTOL = 0.01
# a setting further down SETTINGS (less precise or less common) replaces the current pick
# only when its step is more than this much faster: step times repeat within a few percent
MARGIN = 1.05


@contextmanager
def kept_random_state() -> Iterator[None]:
    """Restore Python's, numpy's and torch's global random states on exit."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


def probe_samples(cfg: Any, count: int) -> List[dict]:
    """``count`` samples of the training dataset (spread over it), through its pipeline."""
    from mmswav.registry import DATASETS
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    if hasattr(dataset, '__getitem__') and hasattr(dataset, '__len__'):
        step = max(len(dataset) // count, 1)
        return [dataset[(i * step) % len(dataset)] for i in range(count)]
    samples = []
    for sample in dataset:  # an IterableDataset (shards)
        samples.append(sample)
        if len(samples) == count:
            break
    return samples


def collate(cfg: Any, samples: List[dict]) -> dict:
    """The training dataloader's ``collate_fn`` (mmengine's ``pseudo_collate`` by default)."""
    from mmengine.registry import FUNCTIONS
    collate_cfg = dict(cfg.train_dataloader.get('collate_fn', None) or
                       dict(type='pseudo_collate'))
    fn = collate_cfg.pop('type')
    fn = FUNCTIONS.get(fn) if isinstance(fn, str) else fn
    return fn(samples, **collate_cfg)


def build_candidate(cfg: Any, setting: str, state: dict) -> Tuple[Any, Any]:
    """The config's model in ``setting`` with the weights ``state``, and its optimizer
    wrapper."""
    from mmengine.optim import build_optim_wrapper

    from mmswav.registry import MODELS

    from .numerics import apply_setting
    cand = copy.deepcopy(cfg)
    apply_setting(cand, setting)
    model = MODELS.build(cand.model)
    model.load_state_dict(state)
    model.train()
    return model, build_optim_wrapper(model, cand.optim_wrapper)


def step_time(model: Any, wrapper: Any, batch: dict) -> Tuple[float, float]:
    """One ``train_step``: (seconds, loss)."""
    start = time.perf_counter()
    log_vars = model.train_step(batch, optim_wrapper=wrapper)
    return time.perf_counter() - start, float(torch.as_tensor(log_vars['loss']).detach())


def pick(times: Dict[str, float], agree: Dict[str, bool], order: Sequence[str]) -> str:
    """Start from ``order[0]`` (fp32); a later setting that agrees replaces the pick when
    its step is more than ``MARGIN`` faster."""
    choice = order[0]
    for setting in order[1:]:
        if agree[setting] and times[setting] * MARGIN < times[choice]:
            choice = setting
    return choice


def time_candidates(cfg: Any, settings: Sequence[str], budget_s: float
                    ) -> Tuple[Dict[str, List[float]], Dict[str, float], int, int]:
    """Step times and first-step losses of every setting (see the module docstring).

    Returns:
        Tuple: ``{setting: [seconds]}``, ``{setting: first-step loss}``, the batch used and
        the number of timed rounds.
    """
    from mmswav.registry import MODELS
    start = time.perf_counter()
    batch_size = cfg.train_dataloader.batch_size
    samples = probe_samples(cfg, batch_size)
    reference = MODELS.build(copy.deepcopy(cfg.model))
    reference.init_weights()
    state = copy.deepcopy(reference.state_dict())
    batch = collate(cfg, samples)
    built = {s: build_candidate(cfg, s, state) for s in settings}
    loss = step_time(*built[settings[0]], batch)[1]  # the warm-up (one-time set-ups)
    # one step must leave room for 3 per setting within the budget: else a smaller batch
    limit, seconds = budget_s / (3 * len(settings)), step_time(*built[settings[0]], batch)[0]
    if seconds > limit and batch_size > 8:
        batch_size = max(8, int(batch_size * limit / seconds))
        batch = collate(cfg, samples[:batch_size])
        built = {s: build_candidate(cfg, s, state) for s in settings}
        loss = step_time(*built[settings[0]], batch)[1]
    losses = {settings[0]: loss}
    for setting in settings[1:]:  # warm-up, and the loss at the same weights
        losses[setting] = step_time(*built[setting], batch)[1]
    times: Dict[str, List[float]] = {s: [] for s in settings}
    rounds = 0
    while rounds < 2 or (rounds < 5 and time.perf_counter() - start + sum(
            min(t) for t in times.values()) < budget_s):
        order = settings if rounds % 2 == 0 else settings[::-1]
        for setting in order:
            times[setting].append(step_time(*built[setting], batch)[0])
        rounds += 1
    return times, losses, batch_size, rounds


def choose_numerics(cfg: Any, settings: Sequence[str], budget_s: float = 20.0
                    ) -> Tuple[str, str]:
    """Time the ``settings`` (the first is the float32 reference) and pick one.

    Returns:
        Tuple[str, str]: The setting, and one line with the choice, the step-time ratios
        and the loss check, for the log.
    """
    from mmengine.registry import DefaultScope
    start = time.perf_counter()
    with kept_random_state(), DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', None) or 'mmswav'):
        times, losses, batch, rounds = time_candidates(cfg, settings, budget_s)
    best = {s: min(t) for s, t in times.items()}
    ref = losses[settings[0]]
    agree = {s: math.isfinite(v) and abs(v - ref) <= LOSS_RTOL * abs(ref)
             for s, v in losses.items()}
    choice = pick(best, agree, settings)
    ratios = ', '.join(f'{s} {best[settings[0]] / best[s]:.2f}x' for s in settings[1:])
    checks = ', '.join(f'{s} {losses[s]:.4f}' + ('' if agree[s] else ' DISAGREES')
                       for s in settings[1:])
    return choice, (
        f'numerics auto: {choice} | step speed vs {settings[0]}: {ratios} | first-step loss '
        f'{settings[0]} {ref:.4f}, {checks} (rtol {LOSS_RTOL}) | {rounds} rounds of batch '
        f'{batch}, {torch.get_num_threads()} torch thread(s), '
        f'{time.perf_counter() - start:.1f} s; --numerics SETTING overrides')
