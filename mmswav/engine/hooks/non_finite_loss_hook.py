# Copyright (c) mmswav contributors. All rights reserved.
import math
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from mmswav.registry import HOOKS


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint named in ``work_dir/last_checkpoint`` (written by every save)."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        return f.read().strip() or None


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stops training at the first NaN / infinite loss, before anything is saved.

    Its priority is above :class:`~mmengine.hooks.CheckpointHook`'s (and the interrupt
    hook's), so the run ends before a checkpoint of the broken weights could replace a good
    one. In distributed runs the ranks agree (a NaN on one rank stops all of them).

    Args:
        interval (int): Check every ``interval`` iterations (a check reads the loss, one
            device synchronisation). Defaults to 1.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        values = {k: float(torch.as_tensor(v, dtype=torch.float64).detach().mean())
                  for k, v in outputs.items() if 'loss' in k}
        bad = torch.tensor(float(any(not math.isfinite(v) for v in values.values())))
        if get_world_size() > 1:
            all_reduce(bad, op='max')
        if not bad:
            return
        good = last_checkpoint(runner.work_dir)
        resume = (f'the last good checkpoint is {good}; after the fix resume with '
                  f'`python tools/train.py CONFIG --resume {good}`' if good else
                  'no checkpoint was saved yet')
        raise NonFiniteLossError(
            f'Non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
            f'{values} (on this or another rank). Nothing was saved after it; {resume}. '
            'Likely causes: learning rate too high for the batch (lower '
            'optim_wrapper.optimizer.lr, keep LARC), fp16 overflow under AMP (use bf16 or '
            'fp32, or a dynamic loss scale), Sinkhorn epsilon too small '
            '(model.head.loss.epsilon >= 0.03), temperature too small '
            '(model.head.loss.temperature, 0.1 published), or broken input images.')
