# Copyright (c) mmswav contributors. All rights reserved.
"""Benchmark 3: mmswav's Sinkhorn vs a plain copy of the official algorithm, CPU float32.

Shapes: B x K = 4096 x 3000 (official large batch), 256 x 3000, and 256 x 3000 with a
3840-long queue (the official ImageNet setting: Sinkhorn on 4096 x 3000 after a concat).
Prints the median time, the ratio, the peak extra memory of one call (VmHWM) and
checks that no float64 tensor is created and that both give the same codes.
Run: ``python benchmarks/bench_sinkhorn.py``.
"""
import argparse  # noqa: I001 (common is the local benchmarks/common.py)

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from common import CPU, alternate, fixed_mmap_threshold, machine, median, peak_rss_mib
from mmswav.models.losses import SwAVLoss


@torch.no_grad()
def official_sinkhorn(out: torch.Tensor, iterations: int = 3, epsilon: float = 0.05):
    """``distributed_sinkhorn`` of facebookresearch/swav main_swav.py, world size 1."""
    Q = torch.exp(out / epsilon).t()  # Q is K-by-B for consistency with notations from our paper
    B = Q.shape[1]  # number of samples to assign
    K = Q.shape[0]  # how many prototypes
    sum_Q = torch.sum(Q)
    Q /= sum_Q
    for _ in range(iterations):
        sum_of_rows = torch.sum(Q, dim=1, keepdim=True)
        Q /= sum_of_rows
        Q /= K
        Q /= torch.sum(Q, dim=0, keepdim=True)
        Q /= B
    Q *= B  # the colomns must sum to 1 so that Q is an assignment
    return Q.t()


class DtypeRecorder(TorchDispatchMode):
    """Records the dtype of every tensor an op returns."""

    def __init__(self) -> None:
        super().__init__()
        self.dtypes = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.dtypes.update(str(t.dtype) for t in tree_leaves(out) if isinstance(t, torch.Tensor))
        return out


def run_case(loss: SwAVLoss, scores: torch.Tensor, queue_scores, repeats: int) -> None:
    batch = scores.shape[0]

    def ours() -> torch.Tensor:
        return loss.codes(scores, queue_scores)

    def plain() -> torch.Tensor:
        full = scores if queue_scores is None else torch.cat((queue_scores, scores))
        return official_sinkhorn(full)[-batch:]

    diff = (ours() - plain()).abs().max().item()
    queue = '' if queue_scores is None else f' + queue {queue_scores.shape[0]}'
    print(f'{batch} x {scores.shape[1]}{queue}: max |codes diff| {diff:.1e}, '
          f'output {ours().dtype}')
    rates = alternate({'mmswav': lambda: ours() is not None,
                       'official': lambda: plain() is not None}, repeats)
    for name, values in rates.items():
        print(f'  {name:<22s} median {1000 / median(values):8.2f} ms '
              f'(min {1000 / max(values):.2f}, max {1000 / min(values):.2f})')
    for suffix in ('', CPU):
        ratio = median(rates['official' + suffix]) / median(rates['mmswav' + suffix])
        print(f'  time ratio mmswav / official{suffix or " (wall clock)"} = {ratio:.2f}x '
              '(<= 1: faster)')
    for name, fn in (('mmswav', ours), ('official', plain)):
        print(f'  peak extra RSS of one call, {name}: {peak_rss_mib(fn):.0f} MiB')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=7)
    args = parser.parse_args()
    fixed_mmap_threshold()
    torch.set_num_threads(args.threads)
    print(f'Sinkhorn, 3 iterations, epsilon 0.05 | {machine()}')
    gen = torch.Generator().manual_seed(0)
    protos = F.normalize(torch.randn(3000, 128, generator=gen), dim=1)  # [K, D]
    loss = SwAVLoss(num_crops=[2])
    for batch, queue in ((4096, 0), (256, 0), (256, 3840)):
        scores = F.normalize(torch.randn(batch, 128, generator=gen), dim=1) @ protos.t()
        queue_scores = None
        if queue:  # [L, K] scores of the queued embeddings
            queue_scores = F.normalize(torch.randn(queue, 128, generator=gen), dim=1) @ protos.t()
        run_case(loss, scores, queue_scores, args.repeats)
    with DtypeRecorder() as recorder:
        loss.codes(scores, queue_scores)
    print(f'dtypes of every tensor made by SwAVLoss.codes + sinkhorn: {sorted(recorder.dtypes)}')


if __name__ == '__main__':
    main()
