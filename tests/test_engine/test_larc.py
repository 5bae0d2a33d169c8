# Copyright (c) mmswav contributors. All rights reserved.
import torch

from mmswav.engine.optimizers import LARC


def _apex_larc_sgd_step(params, grads, bufs, lr, momentum, wd, trust=0.001, eps=1e-8):
    """apex.parallel.LARC(clip=False) around torch SGD, written out per parameter."""
    for p, g, i in zip(params, grads, range(len(params))):
        g = g.clone()
        p_norm, g_norm = p.norm(), g.norm()
        if p_norm != 0 and g_norm != 0:
            adaptive_lr = trust * p_norm / (g_norm + p_norm * wd + eps)
            g = (g + wd * p) * adaptive_lr
        bufs[i] = g if bufs[i] is None else momentum * bufs[i] + g
        p -= lr * bufs[i]


def test_matches_apex_larc_over_steps_with_changing_lr():
    torch.manual_seed(0)
    params = [torch.randn(5, 3), torch.randn(4), torch.zeros(2)]  # a zero-norm parameter
    ours = [p.clone().requires_grad_() for p in params]
    ref = [p.clone() for p in params]
    opt = LARC(ours, lr=0.5, momentum=0.9, weight_decay=1e-2)
    bufs = [None] * 3
    for step in range(4):
        grads = [torch.randn_like(p) for p in params]
        for p, g in zip(ours, grads):
            p.grad = g.clone()
        lr = 0.5 / (step + 1)
        opt.param_groups[0]['lr'] = lr
        opt.step()
        _apex_larc_sgd_step(ref, grads, bufs, lr, 0.9, 1e-2)
        for a, b in zip(ours, ref):
            torch.testing.assert_close(a.detach(), b, atol=1e-6, rtol=1e-5)
    assert opt.param_groups[0]['weight_decay'] == 1e-2  # restored after the step


def test_parameters_without_gradient_are_skipped():
    p = torch.ones(3, requires_grad=True)
    LARC([p], lr=1.0, weight_decay=0.1).step()
    torch.testing.assert_close(p.detach(), torch.ones(3))
