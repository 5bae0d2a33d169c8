# Copyright (c) mmswav contributors. All rights reserved.
"""Weighted k-nearest-neighbour classification of frozen features (Wu et al., 2018).

The protocol of the SwAV / DINO / lightly kNN tables: L2-normalised features, cosine
similarity, the ``k`` most similar training samples vote for their class with weight
``exp(similarity / temperature)`` (``temperature`` 0.07), top-1 is the class with the
largest summed weight.
"""
from typing import Dict, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def knn_predict(train_feats: Tensor, train_labels: Tensor, test_feats: Tensor,
                num_classes: int, k: int = 200, temperature: float = 0.07,
                chunk_size: int = 1024) -> Tensor:
    """Class scores of every test sample by temperature-weighted kNN voting.

    Args:
        train_feats (Tensor): Training features ``[N, C]`` (normalised here).
        train_labels (Tensor): Integer labels ``[N]`` in ``[0, num_classes)``.
        test_feats (Tensor): Test features ``[M, C]`` (normalised here).
        num_classes (int): Number of classes.
        k (int): Neighbours that vote. Defaults to 200.
        temperature (float): Voting temperature. Defaults to 0.07.
        chunk_size (int): Test samples per similarity block. Defaults to 1024.

    Returns:
        Tensor: Summed vote weights ``[M, num_classes]``.
    """
    if train_feats.dim() != 2 or test_feats.dim() != 2:
        raise ValueError('kNN expects 2-D features [N, C]; got '
                         f'{tuple(train_feats.shape)} and {tuple(test_feats.shape)}')
    if len(train_feats) != len(train_labels):
        raise ValueError(f'{len(train_feats)} training features but {len(train_labels)} labels')
    if not 0 < k <= len(train_feats):
        raise ValueError(f'k={k} must be in [1, {len(train_feats)}] (the training set size)')
    train = F.normalize(train_feats.float(), dim=1)  # [N, C]
    labels = train_labels.long()
    scores = []
    for start in range(0, len(test_feats), chunk_size):
        test = F.normalize(test_feats[start:start + chunk_size].float(), dim=1)  # [m, C]
        sim, idx = (test @ train.t()).topk(k, dim=1)  # [m, k]
        weights = (sim / temperature).exp()  # [m, k]
        votes = torch.zeros(len(test), num_classes, dtype=weights.dtype)
        votes.scatter_add_(1, labels[idx], weights)  # [m, num_classes]
        scores.append(votes)
    return torch.cat(scores)


def knn_accuracy(train_feats: Tensor, train_labels: Tensor, test_feats: Tensor,
                 test_labels: Tensor, ks: Sequence[int] = (10, 20, 100, 200),
                 temperature: float = 0.07, num_classes: int = None) -> Dict[str, float]:
    """Top-1 accuracy (%) of weighted kNN for every ``k``.

    Args:
        train_feats (Tensor): Training features ``[N, C]``.
        train_labels (Tensor): Training labels ``[N]``.
        test_feats (Tensor): Test features ``[M, C]``.
        test_labels (Tensor): Test labels ``[M]``.
        ks (Sequence[int]): Neighbour counts. Defaults to (10, 20, 100, 200).
        temperature (float): Voting temperature. Defaults to 0.07.
        num_classes (int, optional): Defaults to ``max(label) + 1``.

    Returns:
        Dict[str, float]: ``{'top1_k10': ..., ...}``.
    """
    if num_classes is None:
        num_classes = int(max(train_labels.max(), test_labels.max())) + 1
    results = {}
    for k in ks:
        pred = knn_predict(train_feats, train_labels, test_feats, num_classes,
                           k=min(k, len(train_feats)), temperature=temperature).argmax(1)
        results[f'top1_k{k}'] = 100.0 * (pred == test_labels.long()).float().mean().item()
    return results
