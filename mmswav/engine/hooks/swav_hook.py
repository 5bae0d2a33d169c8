# Copyright (c) mmswav contributors. All rights reserved.
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmswav.models.heads import SwAVHead
from mmswav.models.wrappers import check_queue_not_broadcast
from mmswav.registry import HOOKS


@HOOKS.register_module()
class SwAVHook(Hook):
    """Tells every :class:`SwAVHead` the runner's epoch and iteration.

    The head decides from them, and from its own config, when its queue starts and when its
    prototypes unfreeze; both live in the head's buffers, so they survive a resume. Before
    every optimizer step this hook lets the head drop the frozen prototypes' gradients
    (official ``p.grad = None``). No side files, no state of its own.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._heads: List[SwAVHead] = []
        self._handles: list = []

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        # any DDP wrapper (mmengine's own too): a broadcast queue is refused
        check_queue_not_broadcast(model, getattr(runner.model, 'broadcast_buffers', False))
        self._heads = [m for m in model.modules() if isinstance(m, SwAVHead)]
        if not self._heads:
            raise RuntimeError('SwAVHook: the model has no SwAVHead; remove the hook from '
                               'custom_hooks or use model.head=dict(type="SwAVHead", ...)')
        wrapper = runner.optim_wrapper
        wrappers = wrapper.values() if isinstance(wrapper, OptimWrapperDict) else [wrapper]
        for w in wrappers:
            self._handles.append(
                w.optimizer.register_step_pre_hook(lambda *_: self._drop_frozen_grads()))

    def _drop_frozen_grads(self) -> None:
        for head in self._heads:
            head.drop_frozen_prototype_grads()

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None
                          ) -> None:
        for head in self._heads:
            head.set_progress(epoch=runner.epoch, iteration=runner.iter)

    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
