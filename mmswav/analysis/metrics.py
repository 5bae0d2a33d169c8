# Copyright (c) mmswav contributors. All rights reserved.
"""Cluster quality against labels (used only to score): NMI, ARI, clustering accuracy
(Hungarian matching), neighbour precision; and the label-free merges to a few groups."""
from typing import Dict, Union

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

Array = Union[np.ndarray, torch.Tensor]


def clustering_accuracy(labels: Array, clusters: Array) -> float:
    """Accuracy (%) of the best one-to-one matching of clusters to classes (Hungarian,
    ``scipy.optimize.linear_sum_assignment``); with more clusters than classes the extra
    clusters match nothing and count as wrong."""
    table = contingency_matrix(np.asarray(labels), np.asarray(clusters))  # [classes, clusters]
    rows, cols = linear_sum_assignment(-table)
    return 100.0 * table[rows, cols].sum() / table.sum()


def cluster_scores(labels: Array, clusters: Array) -> Dict[str, float]:
    """NMI, ARI and clustering accuracy, in %, and the number of non-empty clusters."""
    labels, clusters = np.asarray(labels), np.asarray(clusters)
    return dict(nmi=100.0 * normalized_mutual_info_score(labels, clusters),
                ari=100.0 * adjusted_rand_score(labels, clusters),
                acc=clustering_accuracy(labels, clusters),
                clusters=int(len(np.unique(clusters))))


def merge_prototypes(weights: torch.Tensor, groups: int = 10, seed: int = 0) -> np.ndarray:
    """A group ``[K]`` for every prototype: k-means (scikit-learn, ``n_init=10``) on the
    L2-normalised prototype vectors; no image and no label is used."""
    unit = F.normalize(weights.double(), dim=1).numpy()
    return KMeans(n_clusters=groups, n_init=10, random_state=seed).fit_predict(unit)


def kmeans_clusters(feats: Array, k: int = 10, seed: int = 0) -> np.ndarray:
    """k-means (scikit-learn, ``n_init=10``) on the L2-normalised features ``[N, C]``."""
    unit = F.normalize(torch.as_tensor(np.asarray(feats, np.float32)).double(), dim=1)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(unit.numpy())


def neighbour_precision(idx: Array, labels: Array) -> float:
    """The share (%) of every image's neighbours ``idx`` ``[N, k]`` with its label."""
    labels = np.asarray(labels)
    return 100.0 * float((labels[np.asarray(idx)] == labels[:, None]).mean())
