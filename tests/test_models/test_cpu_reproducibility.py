# Copyright (c) mmswav contributors. All rights reserved.
"""CPU training with more than one thread is bit-reproducible at a fixed thread count: two
runs of the same steps agree in every loss and tensor (docs/common_issues.md, resumes)."""
import torch

from tests.test_models.test_swav import _crops, _model


def _train(threads: int, steps: int = 3):
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(0)
        model = _model(freeze_iters=1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        losses = []
        for step in range(steps):
            model.head.set_progress(epoch=0, iteration=step)
            loss = model.loss(_crops(), None)['loss']
            optimizer.zero_grad()
            loss.backward()
            model.head.drop_frozen_prototype_grads()
            optimizer.step()
            losses.append(loss.item())
        state = {k: v.clone() for k, v in model.state_dict().items()}
        return losses, state, optimizer.state_dict()['state']
    finally:
        torch.set_num_threads(before)


def test_two_thread_training_steps_are_bit_reproducible():
    losses, state, moments = _train(threads=2)
    again, state2, moments2 = _train(threads=2)
    assert losses == again
    assert all(torch.equal(state[k], state2[k]) for k in state)
    assert all(torch.equal(moments[i]['momentum_buffer'], moments2[i]['momentum_buffer'])
               for i in moments)
