# Copyright (c) mmswav contributors. All rights reserved.
"""Codes and loss stay finite under autocast (bf16 on CPU, fp16 on a GPU when there is one)
with small epsilons and adversarial prototype scores."""
import math

import pytest
import torch

from mmswav.models.heads import SwAVHead
from mmswav.models.losses import SwAVLoss

K, B, CROPS = 50, 8, [2, 4]
DEVICES = [('cpu', torch.bfloat16)]
if torch.cuda.is_available():
    DEVICES += [('cuda', torch.float16), ('cuda', torch.bfloat16)]


def adversarial(kind: str) -> torch.Tensor:
    rows = sum(CROPS) * B
    if kind == 'all_equal':
        return torch.full((rows, K), 0.3)
    if kind == 'plus_minus_one':
        return torch.randint(0, 2, (rows, K), generator=torch.Generator().manual_seed(0)) * 2. - 1
    scores = torch.full((rows, K), -1.)  # one dominant prototype for every sample
    scores[:, 7] = 1.
    return scores


def uniform_code_loss(row: torch.Tensor, temperature: float) -> float:
    """Hand formula: identical rows give uniform codes (equipartition), so the loss is
    ``-mean_k log softmax(s / tau)_k = logsumexp(s / tau) - mean(s) / tau``."""
    s = row.double() / temperature
    return float(torch.logsumexp(s, 0) - s.mean())


@pytest.mark.parametrize('device,dtype', DEVICES)
@pytest.mark.parametrize('epsilon', [0.03, 0.05])
@pytest.mark.parametrize('kind', ['all_equal', 'plus_minus_one', 'dominant'])
def test_adversarial_scores_finite_under_autocast(device, dtype, epsilon, kind):
    loss_fn = SwAVLoss(num_crops=CROPS, crops_for_assign=[0, 1], epsilon=epsilon)
    scores = adversarial(kind).to(device)
    with torch.autocast(device_type=device, dtype=dtype):
        low = (scores @ torch.eye(K, device=device))  # an autocast matmul: low precision
        assert low.dtype == dtype
        codes = loss_fn.codes(low[:B], queue_scores=low[B:3 * B])
        loss = loss_fn(low)
    assert torch.isfinite(codes).all() and torch.isfinite(loss)
    assert codes.dtype == loss.dtype == torch.float32  # Sinkhorn and cross-entropy in fp32
    torch.testing.assert_close(codes.sum(1), torch.ones(B, device=device), atol=1e-4, rtol=0)
    if kind != 'plus_minus_one':  # identical rows: uniform codes, hand-computed loss
        torch.testing.assert_close(codes, torch.full_like(codes, 1 / K), atol=1e-5, rtol=0)
        want = uniform_code_loss(low[0].float().cpu(), loss_fn.temperature)
        assert float(loss) == pytest.approx(want, rel=1e-4)
    if kind == 'all_equal':
        assert float(loss) == pytest.approx(math.log(K), rel=1e-5)


def queue_scores_seen(head: SwAVHead, calls: int, epsilon: float) -> list:
    """Run ``head.loss`` ``calls`` times in bf16 autocast on a collapsed batch (every
    embedding equal); return, per call, the shapes of the queue scores the loss got (None
    when it got none)."""
    seen = []
    forward = head.loss_module.forward

    def spy(scores, queue_scores=None):
        seen.append(None if queue_scores is None or queue_scores[0] is None else
                    [tuple(q.shape) for q in queue_scores])
        return forward(scores, queue_scores)

    head.loss_module.forward = spy
    same = torch.nn.functional.normalize(torch.ones(sum(CROPS) * B, 16), dim=1)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        losses = [head.loss(same) for _ in range(calls)]
    assert all(torch.isfinite(loss) for loss in losses)
    # every queue row holds an assignment crop's embedding, as pushed
    torch.testing.assert_close(head.queue, same[:1].expand(2, 2 * B, 16).contiguous())
    return seen


def make_head(epsilon: float) -> SwAVHead:
    torch.manual_seed(0)
    head = SwAVHead(loss=dict(type='SwAVLoss', num_crops=CROPS, epsilon=epsilon),
                    feat_dim=16, num_prototypes=K, queue_length=2 * B, epoch_queue_starts=0)
    return head.train()


@pytest.mark.parametrize('epsilon', [0.03, 0.05])
def test_head_with_queue_finite_under_bf16_autocast(epsilon):
    """The whole head (prototype matmul, queue scores, Sinkhorn) in bf16 autocast, with
    every embedding equal (a collapsed batch) and a full queue: the first two calls fill the
    queue of 2 batches, the third scores it (2 assignment crops x 16 queued rows x K)."""
    head = make_head(epsilon)
    seen = queue_scores_seen(head, 3, epsilon)
    assert seen == [None, None, [(2 * B, K), (2 * B, K)]]
    assert int(head.prototypes_used) == 1


def test_queue_check_fails_when_the_queue_is_never_used(monkeypatch):
    """Sabotage: a head that fills its queue but never scores it (``_queue_full`` always
    False) gives the same finite loss on a collapsed batch, which the old test let
    through; the spy sees it."""
    monkeypatch.setattr(SwAVHead, '_queue_full', lambda self: False)
    seen = queue_scores_seen(make_head(0.05), 3, 0.05)
    assert seen == [None, None, None]
