# Copyright (c) mmswav contributors. All rights reserved.
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmswav.registry import MODELS

from .sinkhorn import sinkhorn


@MODELS.register_module()
class SwAVLoss(BaseModule):
    """The swapped prediction loss of SwAV (Caron et al. 2020, Eq. 1-3), without parameters.

    For every assignment crop ``i`` (``crops_for_assign``) the codes ``q_i`` come from
    :func:`sinkhorn` on the crop's prototype scores (with the queue's scores prepended when
    given); every other crop ``v`` then predicts them with ``softmax(scores_v / temperature)``:

        loss = 1/|A| sum_{i in A} 1/(V-1) sum_{v != i} CE(q_i, softmax(scores_v / tau))

    which is the official ``main_swav.py`` averaging.

    Args:
        num_crops (Sequence[int]): Crops per resolution group, e.g. ``[2, 6]``.
        crops_for_assign (Sequence[int]): Crops whose codes are targets. Defaults to (0, 1).
        temperature (float): Softmax temperature ``tau``. Defaults to 0.1.
        epsilon (float): Sinkhorn regularisation. Defaults to 0.05.
        sinkhorn_iterations (int): Sinkhorn iterations. Defaults to 3.
        hard_assignment (bool): Paper ablation: use one-hot ``argmax`` codes instead of the
            soft Sinkhorn codes. Defaults to False.
    """

    def __init__(self,
                 num_crops: Sequence[int] = (2, 6),
                 crops_for_assign: Sequence[int] = (0, 1),
                 temperature: float = 0.1,
                 epsilon: float = 0.05,
                 sinkhorn_iterations: int = 3,
                 hard_assignment: bool = False) -> None:
        super().__init__()
        self.total_crops = sum(num_crops)
        self.crops_for_assign = list(crops_for_assign)
        if self.total_crops < 2:
            raise ValueError(f'SwAVLoss needs at least 2 crops, got num_crops={num_crops}')
        if not self.crops_for_assign:
            raise ValueError('SwAVLoss: crops_for_assign is empty; use e.g. [0, 1]')
        bad = [c for c in self.crops_for_assign if not 0 <= c < self.total_crops]
        if bad:
            raise ValueError(f'SwAVLoss: crops_for_assign={list(crops_for_assign)} has '
                             f'{bad} outside the {self.total_crops} crops of '
                             f'num_crops={list(num_crops)}; indices must be in '
                             f'[0, {self.total_crops - 1}]')
        if temperature <= 0:
            raise ValueError(f'SwAVLoss: temperature must be > 0, got {temperature}')
        if epsilon <= 0:
            raise ValueError(f'SwAVLoss: epsilon must be > 0, got {epsilon}')
        self.temperature = temperature
        self.epsilon = epsilon
        self.sinkhorn_iterations = sinkhorn_iterations
        self.hard_assignment = hard_assignment

    @torch.no_grad()
    def codes(self, scores: Tensor, queue_scores: Optional[Tensor] = None) -> Tensor:
        """Codes of one assignment crop.

        Args:
            scores (Tensor): The crop's scores, ``[B, K]``.
            queue_scores (Tensor, optional): Scores of the queued features, ``[L, K]``,
                prepended before the Sinkhorn (official order). Defaults to None.

        Returns:
            Tensor: ``[B, K]`` float32 codes, rows summing to 1.
        """
        batch_size = scores.shape[0]
        scores = scores.detach()
        if queue_scores is not None:  # [L + B, K], a temporary the Sinkhorn may overwrite
            scores = torch.cat((queue_scores.to(scores.dtype), scores))
        codes = sinkhorn(scores, self.sinkhorn_iterations, self.epsilon,
                         inplace=queue_scores is not None)[-batch_size:]
        if self.hard_assignment:
            codes = F.one_hot(codes.argmax(dim=1), codes.shape[1]).to(codes.dtype)
        return codes

    def forward(self,
                scores: Tensor,
                queue_scores: Optional[List[Optional[Tensor]]] = None) -> Tensor:
        """Compute the SwAV loss of one prototype head.

        Args:
            scores (Tensor): Scores of all crops, crop-major: ``[V * B, K]``.
            queue_scores (List[Tensor | None], optional): For each assignment crop, the
                scores of its queue ``[L, K]`` or None. Defaults to None.

        Returns:
            Tensor: The scalar loss.
        """
        if scores.shape[0] % self.total_crops:
            raise ValueError(f'SwAVLoss: {scores.shape[0]} score rows are not a multiple of '
                             f'the {self.total_crops} crops; check num_crops against the '
                             'MultiView pipeline')
        batch_size = scores.shape[0] // self.total_crops
        scores = scores.view(self.total_crops, batch_size, -1)  # [V, B, K]
        if queue_scores is None:
            queue_scores = [None] * len(self.crops_for_assign)
        codes = torch.stack([
            self.codes(scores[crop], queue)
            for crop, queue in zip(self.crops_for_assign, queue_scores)
        ])  # [A, B, K]
        log_probs = F.log_softmax(scores.float() / self.temperature, dim=2)  # [V, B, K]
        # cross_entropy[a, v] = -1/B sum_b sum_k q_{a,b,k} log p_{v,b,k}; the sum over k is
        # done per sample (as the official code) to keep float32 sums short and accurate
        with torch.autocast(device_type=scores.device.type, enabled=False):  # fp32 as official
            cross_entropy = torch.einsum('abk,vbk->avb', codes, log_probs).mean(dim=2).neg_()
        keep = torch.ones_like(cross_entropy, dtype=torch.bool)
        keep[torch.arange(len(self.crops_for_assign)), self.crops_for_assign] = False
        return (cross_entropy * keep).sum() / ((self.total_crops - 1) *
                                                len(self.crops_for_assign))
