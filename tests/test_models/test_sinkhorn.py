# Copyright (c) mmswav contributors. All rights reserved.
import os
import tempfile

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmswav.models.losses import sinkhorn

from .reference import reference_sinkhorn


def _scores(batch: int, prototypes: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    z = torch.nn.functional.normalize(torch.randn(batch, 16, generator=g), dim=1)
    c = torch.nn.functional.normalize(torch.randn(prototypes, 16, generator=g), dim=1)
    return z @ c.t()  # cosine scores in [-1, 1], [B, K]


@pytest.mark.parametrize('epsilon,iterations', [(0.05, 3), (0.03, 3), (0.1, 1), (0.05, 10)])
def test_matches_reference(epsilon, iterations):
    scores = _scores(64, 30)
    codes = sinkhorn(scores, iterations=iterations, epsilon=epsilon)
    expected = reference_sinkhorn(scores, epsilon, iterations)
    assert codes.dtype == torch.float32 and codes.shape == (64, 30)
    torch.testing.assert_close(codes.double(), expected, atol=1e-6, rtol=0)


def test_hand_computed_balanced_case():
    # scores = 1 on a permutation, 0 elsewhere: exp(scores/eps) already has equal row and
    # column sums (a + K - 1), so Sinkhorn only row-normalises each sample.
    K, eps = 4, 0.5
    perm = torch.tensor([2, 0, 3, 1])
    scores = torch.zeros(K, K)
    scores[torch.arange(K), perm] = 1.0
    a = torch.exp(torch.tensor(1.0 / eps))
    codes = sinkhorn(scores, iterations=3, epsilon=eps)
    expected = torch.full((K, K), 1 / (a + K - 1))
    expected[torch.arange(K), perm] = a / (a + K - 1)
    torch.testing.assert_close(codes, expected, atol=1e-7, rtol=0)


def test_marginals():
    scores = _scores(96, 12, seed=3) * 3  # skewed: some prototypes preferred
    codes = sinkhorn(scores, iterations=100, epsilon=0.05)
    # every sample fully assigned
    torch.testing.assert_close(codes.sum(1), torch.ones(96), atol=1e-6, rtol=0)
    # equipartition: every prototype gets B / K samples
    torch.testing.assert_close(codes.sum(0), torch.full((12, ), 96 / 12), atol=0, rtol=1e-3)
    # whereas the plain softmax is far from balanced
    assert (torch.softmax(scores / 0.05, 1).sum(0) - 8).abs().max() > 1


def test_uniform_scores_give_uniform_codes():
    codes = sinkhorn(torch.zeros(10, 5))
    torch.testing.assert_close(codes, torch.full((10, 5), 0.2))


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
@pytest.mark.parametrize('epsilon', [0.03, 0.05])
def test_low_precision_scores_stay_finite(dtype, epsilon):
    scores = _scores(128, 50).to(dtype)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        codes = sinkhorn(scores, epsilon=epsilon)
    assert codes.dtype == torch.float32
    assert torch.isfinite(codes).all()
    if dtype == torch.float16:  # a naive exp in the scores' own dtype overflows (> 65504)
        assert not torch.isfinite(torch.exp(scores / epsilon)).all()
    torch.testing.assert_close(codes.double(), reference_sinkhorn(scores.float(), epsilon),
                               atol=1e-6, rtol=0)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='epsilon'):
        sinkhorn(torch.zeros(2, 2), epsilon=0)
    with pytest.raises(ValueError, match=r'\[B, K\]'):
        sinkhorn(torch.zeros(2, 2, 2))


def _split_worker(rank: int, world_size: int, init_file: str, scores: torch.Tensor,
                  out_dir: str) -> None:
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world_size)
    try:
        local = scores.chunk(world_size)[rank]
        torch.save(sinkhorn(local, iterations=3, epsilon=0.05), f'{out_dir}/codes{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_split_batch_over_two_processes_equals_whole_batch():
    scores = _scores(64, 20, seed=7) * 2
    whole = sinkhorn(scores, iterations=3, epsilon=0.05)
    with tempfile.TemporaryDirectory() as tmp:
        init_file = os.path.join(tmp, 'init')
        mp.start_processes(_split_worker, args=(2, init_file, scores, tmp), nprocs=2,
                           start_method='spawn')
        parts = [torch.load(f'{tmp}/codes{r}.pt') for r in range(2)]
    torch.testing.assert_close(torch.cat(parts), whole, atol=1e-6, rtol=0)
    # and a per-rank (non-global) Sinkhorn would not match: the test can fail
    per_rank = torch.cat([sinkhorn(half) for half in scores.chunk(2)])
    assert (per_rank - whole).abs().max() > 1e-4
