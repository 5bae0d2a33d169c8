# Copyright (c) mmswav contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmswav.models.heads import SwAVHead
from mmswav.models.losses import SwAVLoss

from .reference import reference_swav_loss


def _head(**kwargs) -> SwAVHead:
    defaults = dict(feat_dim=8, num_prototypes=10, queue_length=0, epoch_queue_starts=0,
                    loss=dict(type='SwAVLoss', num_crops=[2, 2], crops_for_assign=[0, 1]))
    defaults.update(kwargs)
    # seeded prototypes: every test sees the same inputs whatever ran before it (unseeded, the
    # float32-vs-float64 checks below depended on the test order and once missed 1e-6 by 1%)
    torch.manual_seed(0)
    return SwAVHead(**defaults)


def _embeddings(num_crops=4, batch=4, dim=8, seed=0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(num_crops * batch, dim, generator=g), dim=1)


def test_prototypes_are_normalised_before_forward():
    head = _head()
    with torch.no_grad():
        head.prototypes.weight.mul_(5)
    head(_embeddings())
    torch.testing.assert_close(head.prototypes.weight.norm(dim=1), torch.ones(10))


def test_loss_is_official_loss_of_prototype_scores():
    head = _head()
    emb = _embeddings()
    loss = head.loss(emb)
    scores = emb @ F.normalize(head.prototypes.weight, dim=1).t()
    assert abs(loss.item() - reference_swav_loss(scores, 4, [0, 1]).item()) < 1e-6


def test_several_prototype_heads_average_their_losses():
    head = _head(num_prototypes=[10, 7])
    assert isinstance(head.prototypes, torch.nn.ModuleList)
    emb = _embeddings()
    expected = sum(
        reference_swav_loss(emb @ F.normalize(layer.weight, dim=1).t(), 4, [0, 1])
        for layer in head.prototypes) / 2
    assert abs(head.loss(emb).item() - expected.item()) < 1e-6


def test_queue_buffer_shape_and_checkpoint():
    head = _head(queue_length=12, feat_dim=8)
    assert head.queue.shape == (2, 12, 8)
    assert {'queue', 'epoch', 'iteration'} <= set(dict(head.named_buffers()))
    assert 'queue' in head.state_dict()


def test_queue_unused_until_full_then_fifo(tmp_path):
    batch, length = 4, 8
    head = _head(queue_length=length).train()
    batches = [_embeddings(seed=s) for s in range(4)]
    for step, emb in enumerate(batches):
        scores = emb @ F.normalize(head.prototypes.weight, dim=1).t()
        queue_before = head.queue.clone()
        loss = head.loss(emb)
        full = step >= length // batch  # after 2 batches the queue holds 8 = length rows
        queue_scores = [q @ F.normalize(head.prototypes.weight, dim=1).t()
                        for q in queue_before] if full else None
        expected = reference_swav_loss(scores, 4, [0, 1], queue_scores=queue_scores)
        assert abs(loss.item() - expected.item()) < 1e-6, step
        if not full:  # unused: same loss as without a queue
            assert abs(loss.item() - reference_swav_loss(scores, 4, [0, 1]).item()) < 1e-6
    # contents after 4 batches: newest first, assignment crops 0 and 1 of the last 2 batches
    crops = [e.view(4, batch, -1) for e in batches]
    torch.testing.assert_close(head.queue[0], torch.cat([crops[3][0], crops[2][0]]))
    torch.testing.assert_close(head.queue[1], torch.cat([crops[3][1], crops[2][1]]))
    # checkpoint round trip
    torch.save(head.state_dict(), tmp_path / 'head.pth')
    fresh = _head(queue_length=length)
    fresh.load_state_dict(torch.load(tmp_path / 'head.pth'))
    torch.testing.assert_close(fresh.queue, head.queue)


def test_queue_matches_mmpretrain_over_several_batches():
    from mmpretrain.models.losses import SwAVLoss as MMPretrainSwAVLoss
    torch.manual_seed(0)
    head = _head(queue_length=8).train()
    theirs = MMPretrainSwAVLoss(feat_dim=8, num_crops=[2, 2], crops_for_assign=[0, 1],
                                num_prototypes=10)
    theirs.prototypes.weight.data.copy_(head.prototypes.weight.data)
    theirs.queue = torch.zeros(2, 8, 8)
    for seed in range(5):
        emb = _embeddings(seed=seed)
        assert abs(head.loss(emb).item() - theirs(emb).item()) < 1e-6, seed
    torch.testing.assert_close(head.queue, theirs.queue)


@pytest.mark.parametrize('starts, before, after', [
    # epoch_queue_starts=2: the epoch rules
    (dict(epoch_queue_starts=2), dict(epoch=1, iteration=10), dict(epoch=2, iteration=20)),
    # iter_queue_starts=30, past epoch_queue_starts: the iteration rules instead
    (dict(epoch_queue_starts=0, iter_queue_starts=30), dict(epoch=3, iteration=29),
     dict(epoch=3, iteration=30)),
])
def test_queue_waits_for_its_start(starts, before, after):
    head = _head(queue_length=8, **starts).train()
    head.set_progress(**before)
    head.loss(_embeddings())
    assert not head.queue.any()
    head.set_progress(**after)
    head.loss(_embeddings())
    assert head.queue[:, :4].any() and not head.queue[:, 4:].any()


def test_queue_not_filled_in_eval_mode():
    head = _head(queue_length=8).eval()
    head.loss(_embeddings())
    assert not head.queue.any()


def test_queue_trimmed_to_multiple_of_batch_and_checkpoint_keeps_it():
    head = _head(queue_length=10).train()  # batch 4 -> 8
    head.loss(_embeddings())
    assert head.queue.shape == (2, 8, 8)
    fresh = _head(queue_length=10)
    fresh.load_state_dict(head.state_dict())
    assert fresh.queue.shape == (2, 8, 8)
    torch.testing.assert_close(fresh.queue, head.queue)


def test_queue_shorter_than_batch_is_an_error():
    head = _head(queue_length=3).train()
    with pytest.raises(ValueError, match='queue_length'):
        head.loss(_embeddings())


def test_feat_dim_mismatch_is_named():
    with pytest.raises(ValueError, match='feat_dim'):
        _head(feat_dim=16).loss(_embeddings(dim=8))


def test_frozen_prototypes_drop_their_gradient():
    head = _head(freeze_prototypes_iters=5)
    head.set_progress(epoch=0, iteration=4)
    emb = _embeddings().requires_grad_()
    head.loss(emb).backward()
    assert head.prototypes.weight.grad is not None  # used in the graph (DDP-friendly)
    head.drop_frozen_prototype_grads()
    assert head.prototypes.weight.grad is None
    assert head.prototypes.weight.requires_grad  # never toggled
    head.set_progress(epoch=0, iteration=5)  # unfrozen
    head.loss(emb).backward()
    head.drop_frozen_prototype_grads()
    assert head.prototypes.weight.grad is not None


def test_fixed_prototypes_ablation():
    head = _head(fixed_prototypes=True)
    assert not head.prototypes.weight.requires_grad
    emb = _embeddings().requires_grad_()
    head.loss(emb).backward()
    assert head.prototypes.weight.grad is None and emb.grad is not None


def test_loss_module_can_be_a_module():
    loss = SwAVLoss(num_crops=[2, 2])
    assert _head(loss=loss).loss_module is loss
