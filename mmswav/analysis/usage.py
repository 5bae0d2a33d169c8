# Copyright (c) mmswav contributors. All rights reserved.
"""Prototype usage: images per prototype, entropy of the usage, and its bar chart."""
import math
from typing import Dict, List

import torch


def usage_stats(scores: torch.Tensor, temperature: float = 0.1) -> Dict:
    """Usage statistics of prototype scores ``[N, K]``.

    Returns:
        Dict: ``counts`` (images whose best prototype it is), ``used_prototypes``, the
        entropy ``usage_entropy`` of the usage distribution (nats; ``ln K`` when all ``K``
        are used equally, 0 when collapsed onto one), ``effective_prototypes``
        (``exp(H)``) and ``mean_assignment_entropy`` of ``softmax(scores / temperature)``.
    """
    num, k = scores.shape
    counts = torch.bincount(scores.argmax(dim=1), minlength=k)  # [K]
    stats = count_stats(counts)
    log_q = torch.log_softmax(scores.double() / temperature, dim=1)  # [N, K]
    stats['mean_assignment_entropy'] = float(-(log_q.exp() * log_q).sum(dim=1).mean())
    return stats


def count_stats(counts: torch.Tensor) -> Dict:
    """:func:`usage_stats` of images-per-cluster counts ``[K]`` (no soft entropy)."""
    num, k = int(counts.sum()), len(counts)
    p = counts.double() / max(num, 1)
    entropy = float(-(p[p > 0] * p[p > 0].log()).sum())
    return dict(num_images=num, num_prototypes=k, counts=counts.tolist(),
                used_prototypes=int((counts > 0).sum()), usage_entropy=entropy,
                usage_entropy_max=math.log(k), effective_prototypes=math.exp(entropy))


def plot_usage(stats: List[Dict], out_file: str, titles: List[str] = ()) -> None:
    """Bar chart of images per prototype, most used first, one panel per entry."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(stats), figsize=(6 * len(stats), 3.4), squeeze=False)
    for n, (ax, s) in enumerate(zip(axes[0], stats)):
        counts = sorted(s['counts'], reverse=True)
        ax.bar(range(len(counts)), counts, width=1.0)
        ax.axhline(s['num_images'] / s['num_prototypes'], color='r', lw=1, label='uniform')
        ax.set_xlabel('prototype (most used first)')
        ax.set_ylabel('images')
        title = f'{titles[n]}: ' if n < len(titles) else ''
        ax.set_title(f"{title}used {s['used_prototypes']}/{s['num_prototypes']}, "
                     f"H={s['usage_entropy']:.2f} (max {s['usage_entropy_max']:.2f}), "
                     f"exp(H)={s['effective_prototypes']:.1f}", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)
