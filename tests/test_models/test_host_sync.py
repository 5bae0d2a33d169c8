# Copyright (c) mmswav contributors. All rights reserved.
"""The per-step path reads no tensor on the host (a device synchronisation on a GPU)."""
import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from mmswav.models.heads import SwAVHead

HOST_READS = {'__bool__', '__int__', '__float__', '__index__', 'item', 'tolist', 'cpu',
              'numpy'}


class RecordHostReads(TorchFunctionMode):
    """Records every tensor method that copies a value to the host."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, '__name__', str(func))
        if name in HOST_READS:
            self.reads.append(name)
        return func(*args, **(kwargs or {}))


def _head(**kwargs) -> SwAVHead:
    torch.manual_seed(0)
    cfg = dict(feat_dim=8, num_prototypes=10, queue_length=8, epoch_queue_starts=1,
               freeze_prototypes_iters=3,
               loss=dict(type='SwAVLoss', num_crops=[2, 2], crops_for_assign=[0, 1]))
    cfg.update(kwargs)
    return SwAVHead(**cfg)


def _emb(seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(16, 8, generator=g), dim=1)  # 4 crops x batch 4


def _step(head: SwAVHead, epoch: int, iteration: int, seed: int) -> torch.Tensor:
    head.set_progress(epoch=epoch, iteration=iteration)
    emb = _emb(seed).requires_grad_()
    loss = head.loss(emb)
    loss.backward()
    head.drop_frozen_prototype_grads()
    return loss


def test_recorder_sees_host_reads():
    with RecordHostReads() as rec:
        t = torch.ones(2)
        int(t.sum()), bool(t.any()), t.sum().item()
    assert {'__int__', '__bool__', 'item'} <= set(rec.reads)


def test_training_steps_read_nothing_on_the_host():
    head = _head()
    with RecordHostReads() as rec:
        for it, epoch in enumerate([0, 0, 1, 1, 1, 1]):  # freeze, queue filling, queue full
            _step(head, epoch, it, seed=it)
    assert rec.reads == []
    assert head.queue_active and head._queue_full() and not head.prototypes_frozen


def test_state_is_read_once_after_a_checkpoint_load():
    trained = _head()
    for it, epoch in enumerate([1, 1]):  # two batches of 4 fill the queue of 8
        _step(trained, epoch, it, seed=it)
    state = trained.state_dict()
    fresh = _head()
    assert not fresh.queue_active and fresh.prototypes_frozen  # epoch 0, iteration 0
    fresh.load_state_dict(state)
    # the loaded buffers, not the fresh head's host copies: epoch 1, iteration 1, full queue
    assert fresh.queue_active and fresh.prototypes_frozen and fresh._queue_full()
    half = _head()
    _step(half, 1, 0, seed=0)  # one batch of 4: half full
    fresh.load_state_dict(half.state_dict())
    assert not fresh._queue_full()
    # same losses as the head that never went through a checkpoint
    for it in range(2, 4):
        a, b = _step(half, 1, it, seed=it), _step(fresh, 1, it, seed=it)
        assert torch.equal(a, b)
    torch.testing.assert_close(fresh.queue, half.queue, rtol=0, atol=0)
