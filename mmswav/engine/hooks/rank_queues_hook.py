# Copyright (c) mmswav contributors. All rights reserved.
from typing import Dict, Optional

import torch
from mmengine.dist import gather, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmswav.models.heads import SwAVHead
from mmswav.registry import HOOKS

KEY = 'swav_rank_queues'


@HOOKS.register_module()
class RankQueuesHook(Hook):
    """Every rank's SwAV queue in the checkpoint, and back to its rank on resume.

    Each rank keeps its own queue (official behaviour), but mmengine saves rank 0's state
    only. With more than one rank, after every iteration in which a queue is in use, the
    queues are gathered to rank 0 (``A * L / W * D`` floats per rank, e.g. 0.5 MB for the
    published recipe); rank 0 stores them as ``checkpoint['swav_rank_queues']`` (``{state
    dict key: [W, A, L / W, D]}``). On resume with the same world size, every rank loads its
    own queue; with another world size, every rank keeps rank 0's queue (logged).
    """

    priority = 'LOW'  # before CheckpointHook and InterruptHook save

    def __init__(self) -> None:
        self._heads: Dict[str, SwAVHead] = {}
        self._gathered: Dict[str, torch.Tensor] = {}

    def _find_heads(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._heads = {f'{name}.queue' if name else 'queue': m
                       for name, m in model.named_modules() if isinstance(m, SwAVHead)}

    def before_train(self, runner) -> None:
        self._find_heads(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if get_world_size() < 2:
            return
        for key, head in self._heads.items():
            if head.queue_active:
                queues = gather(head.queue.detach().contiguous(), dst=0)  # rank 0: W tensors
                if get_rank() == 0:
                    self._gathered[key] = torch.stack(queues)  # [W, A, L, D], no host sync

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._gathered:
            checkpoint[KEY] = {k: v.cpu() for k, v in self._gathered.items()}

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        queues = checkpoint.get(KEY)
        if not queues:
            return
        world_size, rank = get_world_size(), get_rank()
        state = checkpoint.get('state_dict', {})
        for key, stacked in queues.items():
            if stacked.shape[0] != world_size:
                print_log(f'RankQueuesHook: the checkpoint has {stacked.shape[0]} rank queues '
                          f'but this run has {world_size} ranks; every rank restarts from '
                          "rank 0's queue", logger='current', level=30)
                return
            if key in state:
                state[key] = stacked[rank].clone()  # loaded into the model right after this
