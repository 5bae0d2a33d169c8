# Copyright (c) mmswav contributors. All rights reserved.
"""Sinkhorn-Knopp for SwAV's equipartitioned codes (Caron et al. 2020, Sec. 3.1, Alg. 1).

Notation of the paper: prototypes ``C`` (K of them), features ``Z`` (B of them), scores
``C^T Z`` and codes ``Q`` with the transportation-polytope constraints

    Q 1_B = 1_K / K      (every prototype gets the same share of the batch)
    Q^T 1_K = 1_B / B    (every sample is fully assigned)

The solution is ``Q* = Diag(u) exp(C^T Z / epsilon) Diag(v)``; ``u`` and ``v`` come from a few
alternating row / column normalisations. Here ``Q`` is kept transposed, as ``[B, K]``, so that
no transposed copy is made: the paper's "rows" (prototypes) are our columns.
"""
from typing import Optional

import torch
import torch.distributed as torch_dist
from torch import Tensor


def _dist_ready() -> bool:
    return torch_dist.is_available() and torch_dist.is_initialized()


def _all_reduce(tensor: Tensor, op=None) -> Tensor:
    if _dist_ready():
        torch_dist.all_reduce(tensor, op=op or torch_dist.ReduceOp.SUM)
    return tensor


@torch.no_grad()
def sinkhorn(scores: Tensor,
             iterations: int = 3,
             epsilon: float = 0.05,
             world_size: Optional[int] = None,
             inplace: bool = False) -> Tensor:
    """Equipartitioned soft codes of the official SwAV ``distributed_sinkhorn``.

    When ``torch.distributed`` is initialised every rank must call this with its own share of
    the batch: the max, the total and the per-prototype sums are all-reduced on every
    iteration and ``B`` counts the samples of all ranks, so a batch split over ranks gets
    exactly the codes of the whole batch.

    Args:
        scores (Tensor): Prototype scores ``C^T z`` of this rank's samples, ``[B_local, K]``.
            Any dtype; the computation runs in float32, also under autocast.
        iterations (int): Sinkhorn iterations. Defaults to 3.
        epsilon (float): Entropy regularisation; smaller gives harder codes. Defaults to 0.05.
        world_size (int, optional): Number of ranks sharing the batch. Defaults to the
            ``torch.distributed`` world size, or 1 when it is not initialised.
        inplace (bool): Reuse ``scores`` as the work buffer when it is float32 (it is
            overwritten): saves one ``[B, K]`` copy for a caller that owns a temporary,
            e.g. the queue concatenation. Same result. Defaults to False.

    Returns:
        Tensor: Codes ``Q^T`` of this rank's samples, ``[B_local, K]`` float32; each row
        sums to 1.
    """
    if scores.dim() != 2:
        raise ValueError(f'sinkhorn expects scores of shape [B, K], got {tuple(scores.shape)}')
    if epsilon <= 0:
        raise ValueError(f'sinkhorn epsilon must be > 0, got {epsilon}')
    if iterations < 1:
        raise ValueError(f'sinkhorn iterations must be >= 1, got {iterations}')
    if world_size is None:
        world_size = torch_dist.get_world_size() if _dist_ready() else 1
    with torch.autocast(device_type=scores.device.type, enabled=False):
        if inplace and scores.dtype == torch.float32:
            logits = scores.div_(epsilon)  # [B, K], the caller's temporary
        else:
            logits = scores.float() / epsilon  # [B, K], a new float32 tensor
        # exp(x - max) is exact here: every normalisation below cancels a constant factor.
        global_max = _all_reduce(logits.max(), torch_dist.ReduceOp.MAX)
        codes = logits.sub_(global_max).exp_()  # Q^T, [B, K], in place: no second copy
        batch_size = codes.shape[0] * world_size  # B
        num_prototypes = codes.shape[1]  # K
        tiny = torch.finfo(codes.dtype).tiny  # keeps an empty row / column from giving 0 / 0

        # make the matrix sum to 1
        codes /= _all_reduce(codes.sum())
        for it in range(iterations):
            # normalise each prototype: total weight per prototype must be 1 / K
            prototype_sums = _all_reduce(codes.sum(dim=0, keepdim=True))  # [1, K]
            codes /= prototype_sums.clamp_min_(tiny).mul_(num_prototypes)
            # normalise each sample: total weight per sample must be 1 / B; the last pass
            # multiplies back by B so that every row of Q^T is an assignment summing to 1
            sample_sums = codes.sum(dim=1, keepdim=True).clamp_min_(tiny)  # [B, 1]
            if it < iterations - 1:
                sample_sums.mul_(batch_size)
            codes /= sample_sums
    return codes

