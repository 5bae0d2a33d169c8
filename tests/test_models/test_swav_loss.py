# Copyright (c) mmswav contributors. All rights reserved.
import math

import pytest
import torch

from mmswav.models.losses import SwAVLoss

from .reference import reference_swav_loss


def _scores(num_crops, batch, prototypes, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.nn.functional.normalize(torch.randn(num_crops * batch, 8, generator=g), dim=1)
    c = torch.nn.functional.normalize(torch.randn(prototypes, 8, generator=g), dim=1)
    return z @ c.t()


@pytest.mark.parametrize('num_crops,assign', [([2, 6], [0, 1]), ([2], [0, 1]), ([2, 4], [0]),
                                              ([3, 2], [1, 2])])
def test_matches_official_loop(num_crops, assign):
    scores = _scores(sum(num_crops), 16, 10).requires_grad_()
    loss_module = SwAVLoss(num_crops=num_crops, crops_for_assign=assign)
    loss = loss_module(scores)
    expected = reference_swav_loss(scores, sum(num_crops), assign)
    assert abs(loss.item() - expected.item()) < 1e-6
    # gradients agree too (codes are constants in both)
    grad, = torch.autograd.grad(loss, scores)
    expected_grad, = torch.autograd.grad(expected, scores)
    torch.testing.assert_close(grad, expected_grad, atol=1e-7, rtol=1e-5)


def test_with_queue_scores_matches_official_loop():
    scores = _scores(4, 8, 6, seed=1)
    queue = [_scores(1, 24, 6, seed=2), _scores(1, 24, 6, seed=3)]
    loss = SwAVLoss(num_crops=[2, 2], crops_for_assign=[0, 1])(scores, queue)
    expected = reference_swav_loss(scores, 4, [0, 1], queue_scores=queue)
    assert abs(loss.item() - expected.item()) < 1e-6
    # the queue changes the codes, so the loss differs from the queue-less one
    assert abs(loss.item() - reference_swav_loss(scores, 4, [0, 1]).item()) > 1e-4


def test_uniform_scores_give_log_k():
    for k in (3, 100, 3000):
        loss = SwAVLoss(num_crops=[2, 4])(torch.zeros(6 * 4, k))
        # float32: the sum over K of q * log p rounds differently with the CPU's vector width
        # (4.2e-6 relative at K = 3000 on an AMD EPYC, < 2e-6 on the Intel Xeon before)
        assert math.isclose(loss.item(), math.log(k), rel_tol=1e-5)


def test_hard_assignment_uses_one_hot_codes():
    scores = _scores(2, 8, 5)
    hard = SwAVLoss(num_crops=[2], crops_for_assign=[0], hard_assignment=True)
    codes = hard.codes(scores[:8])
    assert set(codes.unique().tolist()) == {0.0, 1.0}
    torch.testing.assert_close(codes.sum(1), torch.ones(8))
    # loss = mean over samples of -log p(argmax code) of the other crop
    log_p = torch.log_softmax(scores[8:] / 0.1, dim=1)
    expected = -log_p[torch.arange(8), codes.argmax(1)].mean()
    assert abs(hard(scores).item() - expected.item()) < 1e-6


@pytest.mark.parametrize('kwargs,match', [
    (dict(crops_for_assign=[0, 8]), 'crops_for_assign'),
    (dict(crops_for_assign=[]), 'crops_for_assign'),
    (dict(temperature=0), 'temperature'),
    (dict(temperature=-0.1), 'temperature'),
    (dict(epsilon=0), 'epsilon'),
    (dict(epsilon=-1), 'epsilon'),
])
def test_config_mistakes_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SwAVLoss(num_crops=[2, 6], **kwargs)


def test_rows_not_matching_crops():
    with pytest.raises(ValueError, match='num_crops'):
        SwAVLoss(num_crops=[2, 6])(torch.zeros(7 * 3, 4))
