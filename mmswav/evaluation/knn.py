# Copyright (c) mmswav contributors. All rights reserved.
"""Weighted k-nearest-neighbour classification of frozen features (Wu et al., 2018).

The protocol of the SwAV / DINO / lightly kNN tables: L2-normalised features, cosine
similarity, the ``k`` most similar training samples vote for their class with weight
``exp(similarity / temperature)`` (``temperature`` 0.07), top-1 is the class with the
largest summed weight.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

Features = Union[Tensor, np.ndarray]  # an ndarray may be a float16 memory map on disk


def _rows(feats: Features, start: int, stop: int, device: torch.device) -> Tensor:
    """Rows ``[start, stop)`` as L2-normalised float32 on ``device``."""
    rows = feats[start:stop]
    rows = torch.from_numpy(np.array(rows, np.float32)) if isinstance(rows, np.ndarray) else rows
    return F.normalize(rows.to(device=device, dtype=torch.float32), dim=1)


def knn_topk(train_feats: Features, test_feats: Features, k: int, query_chunk: int = 1024,
             bank_chunk: int = 16384, device: Optional[Union[str, torch.device]] = None
             ) -> Tuple[Tensor, Tensor]:
    """Cosine similarities and indices of the ``k`` most similar training rows per query,
    blockwise: at most ``query_chunk x (bank_chunk + k)`` similarities in memory.

    Args:
        train_feats (Tensor | np.ndarray): Memory bank ``[N, C]`` (a memory map works).
        test_feats (Tensor | np.ndarray): Queries ``[M, C]``.
        k (int): Neighbours.
        query_chunk (int): Queries per block. Defaults to 1024.
        bank_chunk (int): Bank rows per block. Defaults to 16384.
        device (str | torch.device, optional): Where to compute. Defaults to the
            training features' device (CPU for an ndarray).

    Returns:
        Tuple[Tensor, Tensor]: ``[M, k]`` similarities (descending) and bank indices, on
        ``device``.
    """
    if device is None:
        device = train_feats.device if isinstance(train_feats, Tensor) else 'cpu'
    device = torch.device(device)
    sims, idxs = [], []
    for q in range(0, len(test_feats), query_chunk):
        query = _rows(test_feats, q, q + query_chunk, device)  # [m, C]
        best_sim = torch.empty(len(query), 0, device=device)
        best_idx = torch.empty(len(query), 0, dtype=torch.long, device=device)
        for b in range(0, len(train_feats), bank_chunk):
            sim = query @ _rows(train_feats, b, b + bank_chunk, device).t()  # [m, b]
            top_sim, top_idx = sim.topk(min(k, sim.shape[1]), dim=1)
            merged = torch.cat([best_sim, top_sim], 1)
            best_sim, order = merged.topk(min(k, merged.shape[1]), dim=1)
            best_idx = torch.cat([best_idx, top_idx + b], 1).gather(1, order)
        sims.append(best_sim)
        idxs.append(best_idx)
    return torch.cat(sims), torch.cat(idxs)


def _votes(sim: Tensor, idx: Tensor, labels: Tensor, num_classes: int,
           temperature: float) -> Tensor:
    weights = (sim / temperature).exp()  # [M, k]
    votes = torch.zeros(len(sim), num_classes, dtype=weights.dtype, device=sim.device)
    return votes.scatter_add_(1, labels.to(sim.device)[idx], weights)  # [M, num_classes]


def _check(train_feats: Features, train_labels: Tensor, test_feats: Features, k: int) -> None:
    if train_feats.ndim != 2 or test_feats.ndim != 2:
        raise ValueError('kNN expects 2-D features [N, C]; got '
                         f'{tuple(train_feats.shape)} and {tuple(test_feats.shape)}')
    if len(train_feats) != len(train_labels):
        raise ValueError(f'{len(train_feats)} training features but {len(train_labels)} labels')
    if not 0 < k <= len(train_feats):
        raise ValueError(f'k={k} must be in [1, {len(train_feats)}] (the training set size)')


def knn_predict(train_feats: Features, train_labels: Tensor, test_feats: Features,
                num_classes: int, k: int = 200, temperature: float = 0.07,
                chunk_size: int = 1024, bank_chunk: int = 16384) -> Tensor:
    """Class scores of every test sample by temperature-weighted kNN voting.

    Args:
        train_feats (Tensor | np.ndarray): Training features ``[N, C]`` (normalised here).
        train_labels (Tensor): Integer labels ``[N]`` in ``[0, num_classes)``.
        test_feats (Tensor | np.ndarray): Test features ``[M, C]`` (normalised here).
        num_classes (int): Number of classes.
        k (int): Neighbours that vote. Defaults to 200.
        temperature (float): Voting temperature. Defaults to 0.07.
        chunk_size (int): Test samples per similarity block. Defaults to 1024.
        bank_chunk (int): Training samples per similarity block. Defaults to 16384.

    Returns:
        Tensor: Summed vote weights ``[M, num_classes]`` (on CPU).
    """
    _check(train_feats, train_labels, test_feats, k)
    sim, idx = knn_topk(train_feats, test_feats, k, chunk_size, bank_chunk)
    return _votes(sim, idx, train_labels.long(), num_classes, temperature).cpu()


def knn_accuracy(train_feats: Features, train_labels: Tensor, test_feats: Features,
                 test_labels: Tensor, ks: Sequence[int] = (10, 20, 100, 200),
                 temperature: float = 0.07, num_classes: int = None,
                 chunk_size: int = 1024, bank_chunk: int = 16384,
                 device: Optional[Union[str, torch.device]] = None) -> Dict[str, float]:
    """Top-1 accuracy (%) of weighted kNN for every ``k``, from one blockwise search of the
    ``max(ks)`` nearest neighbours (the smaller ``k`` use its first columns).

    Args:
        train_feats (Tensor | np.ndarray): Training features ``[N, C]``.
        train_labels (Tensor): Training labels ``[N]``.
        test_feats (Tensor | np.ndarray): Test features ``[M, C]``.
        test_labels (Tensor): Test labels ``[M]``.
        ks (Sequence[int]): Neighbour counts. Defaults to (10, 20, 100, 200).
        temperature (float): Voting temperature. Defaults to 0.07.
        num_classes (int, optional): Defaults to ``max(label) + 1``.
        chunk_size (int): Queries per block. Defaults to 1024.
        bank_chunk (int): Bank rows per block. Defaults to 16384.
        device (str | torch.device, optional): See :func:`knn_topk`. Defaults to None.

    Returns:
        Dict[str, float]: ``{'top1_k10': ..., ...}``.
    """
    train_labels, test_labels = train_labels.long(), test_labels.long()
    if num_classes is None:
        num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    kmax = min(max(ks), len(train_feats))
    _check(train_feats, train_labels, test_feats, kmax)
    sim, idx = knn_topk(train_feats, test_feats, kmax, chunk_size, bank_chunk, device)
    results = {}
    for k in ks:
        n = min(k, len(train_feats))
        pred = _votes(sim[:, :n], idx[:, :n], train_labels, num_classes, temperature).argmax(1)
        results[f'top1_k{k}'] = 100.0 * (pred.cpu() == test_labels).float().mean().item()
    return results
