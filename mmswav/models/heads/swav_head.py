# Copyright (c) mmswav contributors. All rights reserved.
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_world_size
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor

from mmswav.registry import MODELS


@MODELS.register_module()
class SwAVHead(BaseModule):
    """Prototypes, queue and schedule of SwAV; the loss itself is :class:`SwAVLoss`.

    Everything a resumed run needs is a registered buffer, so it is in every checkpoint:
    ``queue`` (``[len(crops_for_assign), queue_length // world_size, feat_dim]``) and
    ``epoch`` / ``iteration`` (the schedule, set by :class:`SwAVHook` before every iteration).

    Args:
        loss (dict | nn.Module): The :class:`SwAVLoss` config or module; its ``num_crops`` and
            ``crops_for_assign`` also shape the queue.
        feat_dim (int): Embedding size of the neck. Defaults to 128.
        num_prototypes (int | Sequence[int]): Prototypes ``K``; a list gives several
            prototype heads whose losses are averaged. Defaults to 3000.
        queue_length (int): Global queue length (official ``queue_length``), 0 for none. It
            is trimmed to a multiple of the global batch at the first enqueue. Defaults to 0.
        epoch_queue_starts (int): First epoch that fills and uses the queue. Defaults to 15.
        iter_queue_starts (int, optional): First iteration that fills and uses the queue,
            instead of ``epoch_queue_starts``: for schedules too short to start it at an
            epoch boundary (the CIFAR-10 ablations). Defaults to None.
        freeze_prototypes_iters (int): Iterations during which the prototypes get no
            gradient (official 313 at batch 4096, 5005 at batch 256). Defaults to 0.
        fixed_prototypes (bool): Paper ablation: never learn the (random, normalised)
            prototypes. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 loss: Union[dict, nn.Module],
                 feat_dim: int = 128,
                 num_prototypes: Union[int, Sequence[int]] = 3000,
                 queue_length: int = 0,
                 epoch_queue_starts: int = 15,
                 iter_queue_starts: Optional[int] = None,
                 freeze_prototypes_iters: int = 0,
                 fixed_prototypes: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        self.loss_module = loss if isinstance(loss, nn.Module) else MODELS.build(loss)
        self.feat_dim = feat_dim
        self.epoch_queue_starts = epoch_queue_starts
        self.iter_queue_starts = iter_queue_starts
        self.freeze_prototypes_iters = freeze_prototypes_iters
        self.multi_prototypes = not isinstance(num_prototypes, int)
        sizes = list(num_prototypes) if self.multi_prototypes else [num_prototypes]
        if not sizes or min(sizes) < 1:
            raise ValueError(f'SwAVHead: num_prototypes must be positive, got {num_prototypes}')
        layers = [nn.Linear(feat_dim, k, bias=False) for k in sizes]
        self.prototypes = nn.ModuleList(layers) if self.multi_prototypes else layers[0]
        if fixed_prototypes:
            self.prototypes.requires_grad_(False)
        if queue_length < 0:
            raise ValueError(f'SwAVHead: queue_length must be >= 0, got {queue_length}')
        num_assign = len(self.loss_module.crops_for_assign)
        self.register_buffer(
            'queue', torch.zeros(num_assign, queue_length // get_world_size(), feat_dim))
        self.register_buffer('epoch', torch.zeros((), dtype=torch.long))
        self.register_buffer('iteration', torch.zeros((), dtype=torch.long))
        self.prototypes_used: Optional[Tensor] = None  # set by every loss(); not a buffer
        # Host copies of the schedule and of the queue fill, so that the per-step path never
        # reads a device tensor (a host sync on GPU); None: unknown (after a load), read once.
        self._progress: Optional[Tuple[int, int]] = None
        self._queue_rows: Optional[int] = 0

    # ---- schedule ---------------------------------------------------------------------
    def set_progress(self, epoch: int, iteration: int) -> None:
        """Record the runner's epoch and iteration (called by :class:`SwAVHook`)."""
        self.epoch.fill_(epoch)  # the buffers (for checkpoints): no host sync
        self.iteration.fill_(iteration)
        self._progress = (int(epoch), int(iteration))

    def _host_progress(self) -> Tuple[int, int]:
        """``(epoch, iteration)`` as Python ints: the copy kept by :meth:`set_progress`,
        or the buffers read once when it is unknown (fresh head, checkpoint load)."""
        if self._progress is None:
            self._progress = (int(self.epoch), int(self.iteration))
        return self._progress

    @property
    def queue_active(self) -> bool:
        """Whether the queue is filled now (official ``epoch >= epoch_queue_starts``, or
        ``iteration >= iter_queue_starts`` when that is set)."""
        if self.queue.shape[1] == 0:
            return False
        epoch, iteration = self._host_progress()
        if self.iter_queue_starts is not None:
            return iteration >= self.iter_queue_starts
        return epoch >= self.epoch_queue_starts

    @property
    def prototypes_frozen(self) -> bool:
        """Whether the prototypes get no gradient at this iteration."""
        return self._host_progress()[1] < self.freeze_prototypes_iters

    def _queue_full(self) -> bool:
        """Whether every queue row holds an embedding (unit norm, never all-zero); the
        count of filled rows is kept on the host, read from the queue once after a load."""
        if self._queue_rows is None:
            self._queue_rows = int(self.queue[0].any(dim=1).sum())
        return self._queue_rows >= self.queue.shape[1]

    def prototype_layers(self) -> List[nn.Linear]:
        """The prototype heads as a list (one entry unless ``num_prototypes`` is a list)."""
        return list(self.prototypes) if self.multi_prototypes else [self.prototypes]

    def drop_frozen_prototype_grads(self) -> None:
        """Official ``p.grad = None`` while frozen: the optimizer then skips the prototypes
        (no momentum, no weight decay), and DDP still saw them used, so no
        ``find_unused_parameters`` is needed. :class:`SwAVHook` calls this before every
        optimizer step."""
        if self.prototypes_frozen:
            for p in self.prototypes.parameters():
                p.grad = None

    # ---- forward ----------------------------------------------------------------------
    @torch.no_grad()
    def normalize_prototypes(self) -> None:
        """L2-normalise every prototype in place (official, before every forward)."""
        for layer in self.prototype_layers():
            layer.weight.copy_(F.normalize(layer.weight, dim=1, p=2))

    def forward(self, embeddings: Tensor) -> List[Tensor]:
        """Prototype scores ``C^T z`` of unit-norm embeddings ``[N, feat_dim]``.

        Returns:
            List[Tensor]: One ``[N, K]`` tensor per prototype head.
        """
        if embeddings.shape[-1] != self.feat_dim:
            raise ValueError(f'SwAVHead: got {embeddings.shape[-1]}-d embeddings but '
                             f'feat_dim={self.feat_dim}; set head.feat_dim to '
                             'neck.out_channels')
        self.normalize_prototypes()
        return [layer(embeddings) for layer in self.prototype_layers()]

    @torch.no_grad()
    def _queue_scores_then_enqueue(self, embeddings: Tensor) -> List[Optional[List[Tensor]]]:
        """Scores of the queue (only once it is full), then push this batch, FIFO."""
        if not (self.training and self.queue_active):
            return [None] * len(self.prototype_layers())
        batch_size = embeddings.shape[0] // self.loss_module.total_crops
        if self.queue.shape[1] % batch_size:  # official: a multiple of the global batch
            keep = self.queue.shape[1] - self.queue.shape[1] % batch_size
            if keep == 0:
                raise ValueError(
                    f'SwAVHead: queue_length // world_size = {self.queue.shape[1]} is shorter '
                    f'than the batch of {batch_size}; raise queue_length or set it to 0')
            print_log(f'SwAVHead: queue trimmed from {self.queue.shape[1]} to {keep} per '
                      f'rank, a multiple of the batch size {batch_size}', logger='current')
            self.queue = self.queue[:, :keep].contiguous()
            self._queue_rows = None if self._queue_rows is None else min(self._queue_rows, keep)
        full = self._queue_full()
        layers = self.prototype_layers()
        scores = [[layer(q.to(layer.weight.dtype)) for q in self.queue]
                  for layer in layers] if full else [None] * len(layers)
        crops = embeddings.detach().view(self.loss_module.total_crops, batch_size, -1)
        self.queue[:, batch_size:] = self.queue[:, :-batch_size].clone()
        self.queue[:, :batch_size] = crops[self.loss_module.crops_for_assign]
        self._queue_rows = min(self._queue_rows + batch_size, self.queue.shape[1])
        return scores

    @torch.no_grad()
    def _record_prototype_usage(self, scores: Tensor) -> None:
        """Set ``prototypes_used``: distinct ``argmax`` prototypes of the assignment crops'
        scores ``[V * B, K]`` in this batch on this rank (a collapse signal read by
        :class:`SwAVCollapseHook`). A plain attribute, in no checkpoint; no host sync."""
        total = self.loss_module.total_crops
        if scores.shape[0] % total:
            return  # SwAVLoss raises the clear error
        assign = scores.view(total, -1, scores.shape[-1])[self.loss_module.crops_for_assign]
        self.prototypes_used = assign.argmax(dim=-1).flatten().bincount(
            minlength=scores.shape[-1]).count_nonzero()

    def loss(self, embeddings: Tensor) -> Tensor:
        """SwAV loss of the embeddings of all crops, crop-major ``[V * B, feat_dim]``.

        Returns:
            Tensor: The loss, averaged over the prototype heads.
        """
        scores = self(embeddings)
        self._record_prototype_usage(scores[0])
        queue_scores = self._queue_scores_then_enqueue(embeddings)
        losses = [self.loss_module(s, q) for s, q in zip(scores, queue_scores)]
        return sum(losses) / len(losses)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        # The queue may have been trimmed (or the run had another world size): take the
        # checkpoint's queue as it is rather than silently skipping it as a size mismatch.
        saved = state_dict.get(prefix + 'queue')
        if saved is not None and saved.shape != self.queue.shape:
            if saved.shape[0] != self.queue.shape[0] or saved.shape[2] != self.queue.shape[2]:
                raise ValueError(
                    f'SwAVHead: checkpoint queue {tuple(saved.shape)} does not fit this '
                    f'model\'s {tuple(self.queue.shape)} (crops_for_assign or feat_dim '
                    'changed); drop the key or fix the config')
            self.queue = torch.zeros_like(saved, device=self.queue.device)
        self._progress, self._queue_rows = None, None  # read the loaded buffers once
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
