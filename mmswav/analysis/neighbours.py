# Copyright (c) mmswav contributors. All rights reserved.
"""Nearest neighbours and near-duplicate pairs by cosine on L2-normalised features, from the
blockwise top-k search of the kNN benchmark (never an ``N x N`` matrix in memory)."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from mmswav.evaluation.knn import knn_topk

Features = Union[Tensor, np.ndarray]  # an ndarray may be a float16 memory map


def drop_self(sims: Tensor, idx: Tensor, own_rows: Tensor) -> Tuple[Tensor, Tensor]:
    """Remove each query's own row from its ``k + 1`` neighbours (or, where it is not among
    them, e.g. behind exact copies that tie with it, the last one); ``own_rows`` ``[M]`` is
    -1 for a query from outside the set. Returns ``[M, k]`` similarities and indices."""
    k = idx.shape[1] - 1
    is_self = idx == own_rows.to(idx.device)[:, None]  # [M, k + 1]
    drop = torch.where(is_self.any(dim=1), is_self.int().argmax(dim=1),
                       torch.full_like(own_rows, k).to(idx.device))
    keep = torch.ones_like(is_self)
    keep[torch.arange(len(idx)), drop] = False
    return sims[keep].view(-1, k), idx[keep].view(-1, k)


def self_neighbours(feats: Features, k: int, query_chunk: int = 1024,
                    bank_chunk: int = 16384, device: Optional[str] = None
                    ) -> Tuple[Tensor, Tensor]:
    """The ``k`` most similar other rows of every row of ``feats`` ``[N, D]``, blockwise.

    Returns:
        Tuple[Tensor, Tensor]: ``[N, k]`` cosines (descending) and row indices, on CPU.
    """
    k = min(k, len(feats) - 1)
    if k < 1:
        raise ValueError(f'neighbours need at least 2 images, got {len(feats)}')
    sims, idx = knn_topk(feats, feats, k + 1, query_chunk, bank_chunk, device)
    sims, idx = drop_self(sims.cpu(), idx.cpu(), torch.arange(len(feats)))
    return sims, idx


def query_neighbours(feats: Features, query_feats: Features, own_rows: Sequence[int],
                     k: int, device: Optional[str] = None) -> Tuple[Tensor, Tensor]:
    """The ``k`` most similar rows of ``feats`` for each query (``own_rows[i]``: the query's
    row in ``feats``, excluded from its list, or -1 for an image from outside)."""
    k = min(k, len(feats) - 1)
    sims, idx = knn_topk(feats, query_feats, k + 1, device=device)
    return drop_self(sims.cpu(), idx.cpu(), torch.as_tensor(list(own_rows)))


def duplicate_pairs(sims: Tensor, idx: Tensor, threshold: float) -> List[Tuple[int, int, float]]:
    """Pairs ``(i, j, cosine)``, ``i < j``, with cosine >= ``threshold`` among every row's
    neighbours (:func:`self_neighbours`), each pair once, the most similar first.

    A row with more than ``k`` near copies lists only ``k`` of them (raise ``k`` to see all).
    """
    rows, cols = torch.nonzero(sims >= threshold, as_tuple=True)
    pairs = {}
    for r, c in zip(rows.tolist(), cols.tolist()):
        j = int(idx[r, c])
        key = (min(r, j), max(r, j))
        pairs[key] = max(pairs.get(key, -2.0), float(sims[r, c]))
    return sorted(((a, b, s) for (a, b), s in pairs.items()),
                  key=lambda p: (-p[2], p[0], p[1]))
