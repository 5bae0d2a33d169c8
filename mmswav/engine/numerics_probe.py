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
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .probe_batch import collate, probe_samples

# bf16 keeps 8 bits of mantissa (relative rounding 2**-9 = 0.2 % per operation). Measured
# first-step loss differences from fp32: 3e-4 relative for the quick start (K = 300), 7e-3
# for the tests' tiny model (16-dim embeddings, 10 prototypes). 3 % leaves room above both
# and is still far below what a broken setting gives (a NaN, or a loss off by tens of percent
# when logits overflow or the Sinkhorn degenerates).
LOSS_RTOL = 0.03
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


def step_time(model: Any, wrapper: Any, batch: dict) -> Tuple[float, float, float]:
    """One ``train_step``: (wall seconds, seconds to rank by, loss). The ranking uses this
    process's CPU time with one torch thread (robust to other processes on shared cores),
    else wall-clock time (CPU time would count OpenMP threads spinning at barriers)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    log_vars = model.train_step(batch, optim_wrapper=wrapper)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    loss = float(torch.as_tensor(log_vars['loss']).detach())
    return wall, cpu if torch.get_num_threads() == 1 else wall, loss


def agreeing(losses: Dict[str, float], reference: float) -> Dict[str, bool]:
    """Which first-step losses are finite and within ``LOSS_RTOL`` of ``reference``."""
    return {s: math.isfinite(v) and abs(v - reference) <= LOSS_RTOL * abs(reference)
            for s, v in losses.items()}


def pick(times: Dict[str, float], agree: Dict[str, bool], order: Sequence[str]) -> str:
    """Start from ``order[0]`` (fp32); a later setting that agrees replaces the pick when
    its step is more than ``MARGIN`` faster."""
    choice = order[0]
    for setting in order[1:]:
        if agree[setting] and times[setting] * MARGIN < times[choice]:
            choice = setting
    return choice


class ProbeTooSlow(RuntimeError):
    """One step takes too long to time every setting within the budget."""


def fitting_batch(cfg: Any, samples: List[dict], state: dict, steps: int,
                  budget_s: float, start: float) -> Tuple[dict, int, Tuple[Any, Any], float]:
    """The batch to time on: the training batch, or fewer images when ``steps`` of it
    would not fit in the budget (estimated from a step of at most 16 images).

    Returns:
        Tuple: the batch, its size, the float32 candidate (warmed up on it) and its
        first-step loss.

    Raises:
        ProbeTooSlow: Not even 8 images (or the whole batch, if smaller) fit.
    """
    size = min(len(samples), 16)
    batch = collate(cfg, samples[:size])
    fp32 = build_candidate(cfg, 'fp32', state)
    loss = step_time(*fp32, batch)[2]  # the warm-up (one-time set-ups) and the loss
    per_image = step_time(*fp32, batch)[0] / size  # wall clock: the budget's
    left = budget_s - (time.perf_counter() - start)
    fits = min(len(samples), int(left / (per_image * (steps + 1))))  # + its warm-up
    if fits < min(8, len(samples)):
        raise ProbeTooSlow(f'a step takes {per_image * 1e3:.0f} ms per image: too long to '
                           f'time {steps} steps of 8 images in {budget_s:.0f} s')
    if fits > size:
        size, batch = fits, collate(cfg, samples[:fits])
        fp32 = build_candidate(cfg, 'fp32', state)
        loss = step_time(*fp32, batch)[2]
    return batch, size, fp32, loss


def time_candidates(cfg: Any, settings: Sequence[str], budget_s: float
                    ) -> Tuple[Dict[str, List[float]], Dict[str, float], int, int]:
    """Step times and first-step losses of every setting (see the module docstring).

    Returns:
        Tuple: ``{setting: [seconds]}``, ``{setting: first-step loss}``, the batch size used
        and the number of timed rounds.

    Raises:
        ProbeTooSlow: From :func:`fitting_batch`.
    """
    from mmswav.registry import MODELS
    start = time.perf_counter()
    samples = probe_samples(cfg, cfg.train_dataloader.batch_size)
    reference = MODELS.build(copy.deepcopy(cfg.model))
    reference.init_weights()
    state = copy.deepcopy(reference.state_dict())
    # steps: a warm-up of each other setting (bf16's first step costs ~2) + 2 rounds
    batch, size, fp32, loss = fitting_batch(cfg, samples, state, 4 * len(settings) - 2,
                                      budget_s, start)
    built, losses = {settings[0]: fp32}, {settings[0]: loss}
    for setting in settings[1:]:  # warm-up, and the loss at the same weights
        built[setting] = build_candidate(cfg, setting, state)
        losses[setting] = step_time(*built[setting], batch)[2]
    times: Dict[str, List[float]] = {s: [] for s in settings}
    rounds, last_round = 0, 0.0
    while rounds < 1 or (rounds < 5 and time.perf_counter() - start + 1.2 * last_round
                         < budget_s):
        round_start = time.perf_counter()
        for setting in (settings if rounds % 2 == 0 else settings[::-1]):
            times[setting].append(step_time(*built[setting], batch)[1])
        rounds, last_round = rounds + 1, time.perf_counter() - round_start
    return times, losses, size, rounds


def choose_numerics(cfg: Any, settings: Sequence[str], budget_s: float = 20.0
                    ) -> Tuple[Optional[str], str]:
    """Time the ``settings`` (the first is the float32 reference) and pick one.

    Returns:
        Tuple[Optional[str], str]: The setting (None: too slow to time, keep the config),
        and one line with the choice, the step-time ratios and the loss check, for the log.
    """
    from mmengine.registry import DefaultScope
    start = time.perf_counter()
    try:
        with kept_random_state(), DefaultScope.overwrite_default_scope(
                cfg.get('default_scope', None) or 'mmswav'):
            times, losses, batch, rounds = time_candidates(cfg, settings, budget_s)
    except ProbeTooSlow as error:
        return None, (f'numerics auto: the config as written | {error} | '
                      f'{time.perf_counter() - start:.1f} s; --numerics SETTING chooses')
    best = {s: min(t) for s, t in times.items()}
    ref = losses[settings[0]]
    agree = agreeing(losses, ref)
    choice = pick(best, agree, settings)
    ratios = ', '.join(f'{s} {best[settings[0]] / best[s]:.2f}x' for s in settings[1:])
    checks = ', '.join(f'{s} {losses[s]:.4f}' + ('' if agree[s] else ' DISAGREES')
                       for s in settings[1:])
    return choice, (
        f'numerics auto: {choice} | step speed vs {settings[0]}: {ratios} | first-step loss '
        f'{settings[0]} {ref:.4f}, {checks} (rtol {LOSS_RTOL}) | {rounds} rounds of batch '
        f'{batch}, {torch.get_num_threads()} torch thread(s), '
        f'{time.perf_counter() - start:.1f} s; --numerics SETTING overrides')
