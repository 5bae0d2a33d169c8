# Copyright (c) mmswav contributors. All rights reserved.
"""Fit a pretraining run into a time budget: how many epochs (or, when not even one fits,
how many images per epoch) a measured iteration time allows (``tools/quickstart.sh``'s
``QS_MINUTES``)."""
from dataclasses import dataclass
from typing import Optional

# the iteration time of a long run varies by a few percent around a short measurement;
# 10 % of the budget is kept free for that, for the checkpoints and the end of the run
SAFETY = 0.10


@dataclass
class EpochPlan:
    """What :func:`fit_epochs` decided.

    Attributes:
        epochs (int): Epochs to train (the cosine schedule's length).
        images (Optional[int]): Training images per epoch when fewer than all fit one epoch
            in the budget (``train_dataloader.dataset.indices``); None for all.
        minutes (float): The expected pretraining time.
        reason (str): One line: the figures behind the choice.
    """
    epochs: int
    images: Optional[int]
    minutes: float
    reason: str


def fit_epochs(budget_min: float, iter_s: float, iters_per_epoch: int, startup_s: float,
               batch_size: int, max_epochs: int = 800) -> EpochPlan:
    """The most epochs whose expected time fits ``budget_min`` with :data:`SAFETY` spare.

    Expected time = ``startup_s`` (measurement, imports, dataset scan, first batches) +
    ``epochs * iters_per_epoch * iter_s``.

    Args:
        budget_min (float): Pretraining budget in minutes.
        iter_s (float): Measured wall-clock seconds per training iteration (data included).
        iters_per_epoch (int): Iterations of one epoch over all training images.
        startup_s (float): Seconds spent before the first iteration.
        batch_size (int): Images per iteration.
        max_epochs (int): Upper bound. Defaults to 800.

    Returns:
        EpochPlan: The epochs, the images per epoch, the expected minutes and why.
    """
    if budget_min <= 0 or iter_s <= 0 or iters_per_epoch <= 0:
        raise ValueError(f'fit_epochs: budget {budget_min} min, {iter_s} s/iteration and '
                         f'{iters_per_epoch} iterations per epoch must be positive')
    usable = budget_min * 60 * (1 - SAFETY) - startup_s
    epoch_s = iters_per_epoch * iter_s
    why = (f'{iter_s:.3f} s/iteration x {iters_per_epoch} iterations = {epoch_s / 60:.2f} '
           f'min/epoch; {budget_min:g} min budget - {SAFETY:.0%} spare - {startup_s:.0f} s '
           f'start-up = {max(usable, 0) / 60:.2f} min of training')
    epochs = min(int(usable // epoch_s), max_epochs) if usable > 0 else 0
    if epochs >= 1:
        minutes = (startup_s + epochs * epoch_s) / 60
        return EpochPlan(epochs, None, minutes, f'{epochs} epochs: {why}')
    iters = max(int(max(usable, 0) // iter_s), 1)  # one epoch over the first images
    minutes = (startup_s + iters * iter_s) / 60
    return EpochPlan(1, iters * batch_size, minutes,
                     f'1 epoch of the first {iters * batch_size} images ({iters} iterations): '
                     f'not even one full epoch fits; {why}')
