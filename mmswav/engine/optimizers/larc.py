# Copyright (c) mmswav contributors. All rights reserved.
from typing import Callable, Iterable, Optional

import torch

from mmswav.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class LARC(torch.optim.SGD):
    """SGD under LARC, exactly as the official SwAV code (``apex.parallel.LARC``).

    Every parameter with non-zero weight and gradient norms gets its gradient replaced by
    ``local_lr * (g + weight_decay * p)`` with
    ``local_lr = trust_coefficient * ||p|| / (||g|| + weight_decay * ||p|| + eps)``
    (clipped at 1 relative to the group lr when ``clip=True``); then plain SGD steps with
    weight decay 0. Parameters without a gradient (``p.grad = None``, e.g. frozen
    prototypes) are skipped. No host-device synchronisation: the norms stay tensors.

    Args:
        params (Iterable): Parameters or parameter groups.
        lr (float): Learning rate.
        momentum (float): SGD momentum. Defaults to 0.9.
        weight_decay (float): Weight decay, applied inside LARC. Defaults to 0.
        trust_coefficient (float): LARC trust coefficient. Defaults to 0.001.
        clip (bool): LARC clipping mode. Defaults to False (official SwAV).
        eps (float): Added to the denominator. Defaults to 1e-8.
    """

    def __init__(self,
                 params: Iterable,
                 lr: float,
                 momentum: float = 0.9,
                 weight_decay: float = 0.,
                 trust_coefficient: float = 0.001,
                 clip: bool = False,
                 eps: float = 1e-8,
                 **kwargs) -> None:
        super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay, **kwargs)
        self.trust_coefficient = trust_coefficient
        self.clip = clip
        self.eps = eps

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None):
        weight_decays = []
        for group in self.param_groups:
            weight_decay = group['weight_decay']
            weight_decays.append(weight_decay)
            group['weight_decay'] = 0
            params = [p for p in group['params'] if p.grad is not None]
            if not params:
                continue
            grads = [p.grad for p in params]
            param_norms = torch.stack(torch._foreach_norm(params))  # [P]
            grad_norms = torch.stack(torch._foreach_norm(grads))  # [P]
            local_lr = self.trust_coefficient * param_norms / (
                grad_norms + param_norms * weight_decay + self.eps)
            if self.clip:
                local_lr = (local_lr / group['lr']).clamp_max(1)
            valid = (param_norms != 0) & (grad_norms != 0)
            scale = torch.where(valid, local_lr, torch.ones_like(local_lr))
            decay = valid.to(local_lr.dtype) * weight_decay
            for p, g, s, d in zip(params, grads, scale.unbind(), decay.unbind()):
                g.addcmul_(p, d).mul_(s)
        try:
            return super().step(closure)
        finally:
            for group, weight_decay in zip(self.param_groups, weight_decays):
                group['weight_decay'] = weight_decay
