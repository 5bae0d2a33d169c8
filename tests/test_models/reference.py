# Copyright (c) mmswav contributors. All rights reserved.
"""Independent references written from the paper's equations / the official main_swav.py,
in float64 and with plain loops, for the tests to compare against."""
import math

import torch
import torch.nn.functional as F


def reference_sinkhorn(scores: torch.Tensor, epsilon: float = 0.05,
                       iterations: int = 3) -> torch.Tensor:
    """Official ``distributed_sinkhorn`` on one process, float64, Q as K x B."""
    Q = torch.exp(scores.double() / epsilon).t()  # [K, B]
    K, B = Q.shape
    Q /= Q.sum()
    for _ in range(iterations):
        Q /= Q.sum(dim=1, keepdim=True)  # total weight per prototype must be 1/K
        Q /= K
        Q /= Q.sum(dim=0, keepdim=True)  # total weight per sample must be 1/B
        Q /= B
    Q *= B  # the columns must sum to 1 so that Q is an assignment
    return Q.t()


def reference_swav_loss(scores: torch.Tensor, num_crops: int, crops_for_assign,
                        temperature: float = 0.1, epsilon: float = 0.05, iterations: int = 3,
                        queue_scores=None) -> torch.Tensor:
    """The official training-loop loss (main_swav.py), crop by crop, in float64."""
    scores = scores.double()
    bs = scores.shape[0] // num_crops
    loss = 0
    for i, crop_id in enumerate(crops_for_assign):
        out = scores[bs * crop_id:bs * (crop_id + 1)].detach()
        if queue_scores is not None and queue_scores[i] is not None:
            out = torch.cat((queue_scores[i].double(), out))
        q = reference_sinkhorn(out, epsilon, iterations)[-bs:]
        subloss = 0
        for v in range(num_crops):
            if v == crop_id:
                continue
            x = scores[bs * v:bs * (v + 1)] / temperature
            subloss -= torch.mean(torch.sum(q * F.log_softmax(x, dim=1), dim=1))
        loss += subloss / (num_crops - 1)
    return loss / len(crops_for_assign)


def uniform_loss(num_prototypes: int) -> float:
    """Cross-entropy of uniform codes against a uniform prediction: ln(K)."""
    return math.log(num_prototypes)
