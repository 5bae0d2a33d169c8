# Copyright (c) mmswav contributors. All rights reserved.
"""Clusters from prototype scores: the argmax (what one unseen image gets) and the balanced
Sinkhorn assignment over the whole set (the training target), plus the prototypes that are
near copies of each other or unused."""
from typing import Dict, List, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from torch import Tensor

from mmswav.models.losses.sinkhorn import sinkhorn

Scores = Union[Tensor, np.ndarray]  # an ndarray may be a float16 memory map


def _block(scores: Scores, start: int, stop: int) -> Tensor:
    rows = scores[start:stop]
    return torch.as_tensor(np.asarray(rows, np.float32)) if isinstance(rows, np.ndarray) \
        else rows.float()


def argmax_assignment(scores: Scores, chunk: int = 8192) -> Dict[str, Tensor]:
    """Best and second-best prototype of every row of ``scores`` ``[N, K]``, blockwise.

    Returns:
        Dict[str, Tensor]: ``cluster``, ``score``, ``runner_up``, ``runner_up_score``, ``[N]``.
    """
    parts = []
    for start in range(0, len(scores), chunk):
        values, index = _block(scores, start, start + chunk).topk(2, dim=1)  # [n, 2]
        parts.append((values, index))
    values = torch.cat([p[0] for p in parts])
    index = torch.cat([p[1] for p in parts])
    return dict(cluster=index[:, 0], score=values[:, 0], runner_up=index[:, 1],
                runner_up_score=values[:, 1])


def balanced_assignment(scores: Scores, epsilon: float = 0.05,
                        iterations: int = 3) -> Dict[str, Tensor]:
    """The training target over the whole set: the project's :func:`sinkhorn` on all ``N``
    rows at once (equipartition: every prototype gets about ``N / K`` of the soft mass),
    then each image's largest code. Needs ``N x K x 4`` bytes.

    Returns:
        Dict[str, Tensor]: ``cluster`` and its ``code`` (in (0, 1], the row sums to 1),
        ``[N]``, and ``mass`` ``[K]``: the soft codes summed per prototype.
    """
    work = _block(scores, 0, len(scores))  # [N, K] float32, a new array for a memory map
    if isinstance(scores, Tensor) and work.data_ptr() == scores.data_ptr():
        work = work.clone()  # the caller's tensor stays as it is
    codes = sinkhorn(work, iterations, epsilon, world_size=1, inplace=True)  # [N, K]
    code, cluster = codes.max(dim=1)
    return dict(cluster=cluster, code=code, mass=codes.sum(dim=0))


def cluster_members(cluster: Tensor, score: Tensor) -> List[Tuple[int, List[int]]]:
    """``(cluster, rows sorted by descending score)`` of every non-empty cluster, the
    largest first (ties: the lower cluster id)."""
    order = torch.argsort(-score.double(), stable=True)
    members: Dict[int, List[int]] = {}
    for row in order.tolist():
        members.setdefault(int(cluster[row]), []).append(row)
    return sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))


def prototype_overlap(weights: Tensor, counts: Tensor,
                      threshold: float = 0.99) -> Dict[str, list]:
    """Near-copy prototypes (cosine >= ``threshold`` between the L2-normalised vectors, swav
    #71) and unused ones (no image assigned).

    Args:
        weights (Tensor): Prototype vectors ``[K, D]``.
        counts (Tensor): Images per prototype ``[K]``.
        threshold (float): Cosine of a near copy. Defaults to 0.99.

    Returns:
        Dict[str, list]: ``near_copy_pairs`` ``[[i, j, cosine]]`` (``i < j``, most similar
        first), ``near_copy_groups`` (connected groups of near copies, largest first) and
        ``unused`` (prototype ids).
    """
    unit = F.normalize(weights.double(), dim=1)
    cosine = unit @ unit.t()  # [K, K]
    i, j = torch.triu_indices(len(unit), len(unit), offset=1)
    close = cosine[i, j] >= threshold
    i, j, values = i[close], j[close], cosine[i, j][close]
    order = torch.argsort(-values, stable=True)
    pairs = [[int(a), int(b), float(c)] for a, b, c in zip(i[order], j[order], values[order])]
    k = len(unit)
    graph = coo_matrix((np.ones(len(i)), (i.numpy(), j.numpy())), shape=(k, k))
    _, labels = connected_components(graph, directed=False)
    groups = [np.flatnonzero(labels == g).tolist() for g in np.unique(labels)]
    groups = sorted((g for g in groups if len(g) > 1), key=lambda g: (-len(g), g[0]))
    unused = torch.nonzero(counts == 0).flatten().tolist()
    return dict(near_copy_pairs=pairs, near_copy_groups=groups, unused=unused)
