# Copyright (c) mmswav contributors. All rights reserved.
"""VOC07 linear SVMs on frozen features and the low-shot variant (Goyal et al., 2019, the
protocol of the SwAV / PIRL transfer tables).

Labels are ``[N, num_classes]`` in {1, -1, 0}: present, absent, only "difficult" (ignored).
One ``LinearSVC`` per class (squared hinge, L2, positive class weight 2); the cost is chosen
per class by 3-fold cross-validated AP on the training set. The score is the VOC07 11-point
mean average precision (%).
"""
from typing import Dict, List, Sequence

import numpy as np

DEFAULT_COSTS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
LOW_SHOT_KS = (1, 2, 4, 8, 16, 32, 64, 96)


def voc07_ap(scores: np.ndarray, labels: np.ndarray) -> float:
    """VOC07 11-point average precision; ``labels`` in {1, -1, 0} (0 ignored)."""
    keep = labels != 0
    scores, labels = scores[keep], labels[keep]
    if not (labels == 1).any():
        return float('nan')
    order = np.argsort(-scores, kind='stable')
    tp = np.cumsum(labels[order] == 1)
    fp = np.cumsum(labels[order] != 1)
    recall = tp / (labels == 1).sum()
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return float(np.mean([precision[recall >= t].max() if (recall >= t).any() else 0.
                          for t in np.arange(0., 1.1, 0.1)]))


def _fit(feats: np.ndarray, labels: np.ndarray, cost: float):
    from sklearn.svm import LinearSVC
    keep = labels != 0
    clf = LinearSVC(C=cost, class_weight={1: 2, -1: 1}, penalty='l2', loss='squared_hinge',
                    max_iter=2000, dual=True)
    return clf.fit(feats[keep], labels[keep])


def _cv_ap(feats: np.ndarray, labels: np.ndarray, cost: float, folds: int = 3) -> float:
    index = np.arange(len(feats))
    aps = []
    for f in range(folds):
        val = index % folds == f
        if len(np.unique(labels[~val][labels[~val] != 0])) < 2:
            continue
        clf = _fit(feats[~val], labels[~val], cost)
        aps.append(voc07_ap(clf.decision_function(feats[val]), labels[val]))
    aps = [a for a in aps if not np.isnan(a)]
    return float(np.mean(aps)) if aps else 0.


def train_eval_svm(train_feats: np.ndarray, train_labels: np.ndarray, test_feats: np.ndarray,
                   test_labels: np.ndarray, costs: Sequence[float] = DEFAULT_COSTS,
                   folds: int = 3) -> Dict[str, object]:
    """Per-class SVMs with the cost chosen by cross-validated AP; test mAP (%).

    Returns:
        dict: ``mAP``, ``class_ap`` (list, %), ``costs`` (chosen per class), and for
        single-label data (one positive per row) ``top1`` (%), the arg-max of the
        one-vs-rest scores.
    """
    train_feats = _normalise(train_feats)
    test_feats = _normalise(test_feats)
    aps, chosen, scores = [], [], []
    for c in range(train_labels.shape[1]):
        cost = max(costs, key=lambda x: _cv_ap(train_feats, train_labels[:, c], x, folds))
        clf = _fit(train_feats, train_labels[:, c], cost)
        scores.append(clf.decision_function(test_feats))
        aps.append(100 * voc07_ap(scores[-1], test_labels[:, c]))
        chosen.append(cost)
    result = dict(mAP=float(np.nanmean(aps)), class_ap=aps, costs=chosen)
    if ((train_labels == 1).sum(1) == 1).all() and ((test_labels == 1).sum(1) == 1).all():
        pred = np.stack(scores, axis=1).argmax(1)
        result['top1'] = 100 * float((pred == test_labels.argmax(1)).mean())
    return result


def one_vs_rest_labels(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Single-label class indices ``[N]`` as ``[N, num_classes]`` labels in {1, -1}."""
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f'labels must be in [0, {num_classes}), got {labels.min()} ... '
                         f'{labels.max()}')
    return np.where(labels[:, None] == np.arange(num_classes)[None], 1, -1)


def low_shot_samples(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Indices of ``k`` random positives per class (their union), deterministic."""
    rng = np.random.default_rng(seed)
    chosen: List[int] = []
    for c in range(labels.shape[1]):
        positives = np.flatnonzero(labels[:, c] == 1)
        chosen.extend(rng.choice(positives, min(k, len(positives)), replace=False))
    return np.unique(chosen)


def low_shot_svm(train_feats: np.ndarray, train_labels: np.ndarray, test_feats: np.ndarray,
                 test_labels: np.ndarray, ks: Sequence[int] = LOW_SHOT_KS,
                 costs: Sequence[float] = DEFAULT_COSTS, num_runs: int = 5) -> Dict[str, float]:
    """Low-shot mAP (%) for each ``k``: for every cost the mean test mAP over ``num_runs``
    samples, then the best cost (the published low-shot protocol)."""
    train_feats = _normalise(train_feats)
    test_feats = _normalise(test_feats)
    results = {}
    for k in ks:
        per_cost = []
        for cost in costs:
            maps = []
            for run in range(num_runs):
                idx = low_shot_samples(train_labels, k, seed=run)
                aps = []
                for c in range(train_labels.shape[1]):
                    labels = train_labels[idx, c].copy()
                    labels[labels == 0] = -1  # low-shot: difficult counts as absent
                    if (labels == 1).all() or (labels != 1).all():
                        continue
                    clf = _fit(train_feats[idx], labels, cost)
                    aps.append(voc07_ap(clf.decision_function(test_feats), test_labels[:, c]))
                maps.append(100 * float(np.nanmean(aps)) if aps else float('nan'))
            per_cost.append(float(np.mean(maps)))
        results[f'k{k}'] = max(per_cost)
    return results


def _normalise(feats: np.ndarray) -> np.ndarray:
    """L2-normalise rows (the protocol's feature normalisation)."""
    feats = np.asarray(feats, dtype=np.float64)
    return feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True), 1e-12)
