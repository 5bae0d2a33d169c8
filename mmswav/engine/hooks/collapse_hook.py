# Copyright (c) mmswav contributors. All rights reserved.
import math
from collections import deque
from typing import List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmswav.models.heads import SwAVHead
from mmswav.registry import HOOKS

REMEDIES = ('official remedies: lower the Sinkhorn epsilon (model.head.loss.epsilon, e.g. '
            '0.03 instead of 0.05), freeze the prototypes longer '
            '(model.head.freeze_prototypes_iters), start the queue later or make it smaller '
            '(model.head.epoch_queue_starts, model.head.queue_length)')


@HOOKS.register_module()
class SwAVCollapseHook(Hook):
    """Warns when SwAV training collapses; logs ``train/prototypes_used`` and
    ``train/loss_over_log_k`` to the message hub (log and visualizer backends).

    Two signals, each averaged over the last ``window`` iterations, checked only after the
    prototypes unfreeze plus ``window`` iterations (a fresh run starts near ``ln K``):

    * the loss stays near ``ln K`` (within ``loss_tolerance * ln K``, ``K`` the prototypes of
      the first head): the predictions are uniform, nothing is learned;
    * the prototypes used per batch (distinct ``argmax`` prototypes of the assignment crops'
      scores, set by :meth:`SwAVHead.loss` on this rank) fall to ``min_prototypes`` or fewer
      (lower it for batches of a few samples): all samples map to a handful of clusters.

    A warning names the official remedies; it repeats at most every ``window`` iterations.

    Args:
        window (int): Iterations averaged. Defaults to 50.
        loss_tolerance (float): Largest ``|loss / ln K - 1|`` that counts as stuck at
            ``ln K``. Defaults to 0.02.
        min_prototypes (int): Prototypes used per batch at or below which the assignment
            counts as collapsed. Defaults to 3.
    """

    priority = 'NORMAL'

    def __init__(self, window: int = 50, loss_tolerance: float = 0.02,
                 min_prototypes: int = 3) -> None:
        self.window = window
        self.loss_tolerance = loss_tolerance
        self.min_prototypes = min_prototypes
        self._heads: List[SwAVHead] = []
        self._losses: deque = deque(maxlen=window)
        self._used: deque = deque(maxlen=window)
        self._last_warning = -window
        self.warnings: List[str] = []

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._heads = [m for m in model.modules() if isinstance(m, SwAVHead)]

    def _warn(self, runner, message: str) -> None:
        self.warnings.append(message)
        self._last_warning = runner.iter
        print_log(f'SwAV collapse warning at iteration {runner.iter + 1}: {message}; '
                  f'{REMEDIES}', logger='current', level=30)

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self._heads or not outputs or 'loss' not in outputs:
            return
        head = self._heads[0]
        log_k = math.log(head.prototype_layers()[0].out_features)
        loss = float(torch.as_tensor(outputs['loss']).detach().float())
        runner.message_hub.update_scalar('train/loss_over_log_k', loss / log_k)
        self._losses.append(loss / log_k)
        used = getattr(head, 'prototypes_used', None)
        if used is not None:
            used = int(used)
            runner.message_hub.update_scalar('train/prototypes_used', used)
            self._used.append(used)
        if (runner.iter < head.freeze_prototypes_iters + self.window
                or len(self._losses) < self.window
                or runner.iter - self._last_warning < self.window):
            return
        signals = []
        mean_ratio = sum(self._losses) / len(self._losses)
        if abs(mean_ratio - 1) <= self.loss_tolerance:
            signals.append(f'the loss stayed at {mean_ratio:.3f} x ln K '
                           f'(K={round(math.exp(log_k))}) over the last {self.window} '
                           'iterations: the predictions are uniform')
        if len(self._used) == self.window and max(self._used) <= self.min_prototypes:
            signals.append(f'at most {max(self._used)} prototype(s) were used per batch over '
                           f'the last {self.window} iterations')
        if signals:
            self._warn(runner, '; '.join(signals))
