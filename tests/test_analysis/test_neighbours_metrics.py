# Copyright (c) mmswav contributors. All rights reserved.
"""mmswav.analysis: blockwise neighbours equal a dense search (also with exact copies tied
with the query itself), duplicate pairs once each, and the scores against hand-computed
values and scikit-learn."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmswav.analysis.metrics import (
    cluster_scores,
    clustering_accuracy,
    merge_prototypes,
    neighbour_precision,
)
from mmswav.analysis.neighbours import duplicate_pairs, query_neighbours, self_neighbours


def test_blockwise_self_neighbours_equal_dense_with_ties(tmp_path):
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(40, 8, generator=gen)
    feats[7] = feats[3] * 2  # an exact copy (cosine 1, ties with the query itself)
    feats[8] = feats[3]
    unit = F.normalize(feats.double(), dim=1)
    dense = unit @ unit.t()
    dense.fill_diagonal_(-2)
    path = tmp_path / 'feats.npy'
    np.save(path, feats.numpy().astype(np.float16))
    for bank in (feats, np.load(path, mmap_mode='r')):
        sims, idx = self_neighbours(bank, 5, query_chunk=6, bank_chunk=7)
        assert (idx != torch.arange(40)[:, None]).all()  # never the query itself
        np.testing.assert_allclose(sims, dense.topk(5, dim=1).values, atol=2e-3)
        assert set(idx[3, :2].tolist()) == {7, 8} and set(idx[7, :2].tolist()) == {3, 8}
    pairs = duplicate_pairs(*self_neighbours(feats, 5), threshold=0.999)
    assert [p[:2] for p in pairs] == [(3, 7), (3, 8), (7, 8)]  # each pair once
    sims, idx = query_neighbours(feats, feats[[3, 0]], [3, -1], 2)
    assert 3 not in idx[0].tolist() and idx[1, 0] == 0  # an outside query keeps row 0


def test_scores_hand_computed_and_sklearn():
    labels = np.array([0, 0, 1, 1, 2, 2])
    clusters = np.array([5, 5, 0, 0, 0, 9])
    # best one-to-one matching: 5 -> 0 (2), 0 -> 1 (2), 9 -> 2 (1): 5 of 6
    assert clustering_accuracy(labels, clusters) == pytest.approx(500 / 6)
    assert clustering_accuracy(labels, [1, 1, 2, 2, 0, 0]) == 100  # a permutation
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    s = cluster_scores(labels, clusters)
    assert s['nmi'] == pytest.approx(100 * normalized_mutual_info_score(labels, clusters))
    assert s['ari'] == pytest.approx(100 * adjusted_rand_score(labels, clusters))
    assert s['clusters'] == 3
    idx = np.array([[1, 2], [0, 4], [3, 0], [2, 1], [5, 5], [4, 0]])
    assert neighbour_precision(idx, labels) == pytest.approx(100 * 7 / 12)


def test_merge_prototypes_finds_the_directions_without_labels():
    gen = torch.Generator().manual_seed(0)
    directions = F.normalize(torch.randn(3, 16, generator=gen), dim=1)
    owner = torch.arange(30) % 3
    weights = directions[owner] + 0.05 * torch.randn(30, 16, generator=gen)
    group = merge_prototypes(weights * 4, groups=3)  # scale does not matter
    assert clustering_accuracy(owner.numpy(), group) == 100
