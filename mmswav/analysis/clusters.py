# Copyright (c) mmswav contributors. All rights reserved.
"""One cluster analysis of a set of images: features and prototype scores in one pass, the
two assignments, prototype overlap, neighbours and near-duplicate pairs."""
import functools
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmswav.evaluation.dist_features import extract_features_dist
from mmswav.evaluation.readable import Skipped

from .assign import argmax_assignment, balanced_assignment, cluster_members, prototype_overlap
from .embed import features_and_scores, prototype_weights
from .neighbours import duplicate_pairs, self_neighbours
from .usage import count_stats


def extract(model: nn.Module, dataset, head: int = 0, batch_size: int = 64,
            num_workers: int = 2, memory_budget_gb: float = 8.,
            memmap_dir: Optional[str] = None, progress: bool = True) -> Dict:
    """Backbone features and prototype scores of every readable image of ``dataset`` (a
    ``ReadableSamples``), over ranks and into float16 memory maps above the budget.

    Returns:
        Dict: ``feature`` ``[N, C]``, ``scores`` ``[N, K]`` (tensors or memory maps),
        ``index`` (the dataset index of each row), ``paths``, ``labels`` (``[N]``, -1
        without) and ``skipped``.
    """
    skipped: List[Skipped] = []
    feats, labels = extract_features_dist(
        model, dataset, batch_size, num_workers,
        fn=functools.partial(features_and_scores, head=head), progress=progress,
        memory_budget_gb=memory_budget_gb, memmap_dir=memmap_dir, prefix='analysis',
        skipped=skipped)
    bad = {s.index for s in skipped}
    index = [i for i in range(len(dataset)) if i not in bad]
    paths = [str(dataset.get_data_info(i)['img_path']) for i in index]
    return dict(feature=feats['feature'], scores=feats['scores'], index=index, paths=paths,
                labels=labels, skipped=skipped)


def analyse(model: nn.Module, data: Dict, head: int = 0, epsilon: float = 0.05,
            iterations: int = 3, balanced: bool = True, neighbours: int = 5,
            dup_threshold: float = 0.995, near_copy: float = 0.99,
            device: Optional[str] = None) -> Dict:
    """Clusters, prototype overlap, neighbours and duplicates of :func:`extract`'s output.

    Args:
        model (nn.Module): The model (for its prototype vectors).
        data (Dict): :func:`extract`'s output.
        head (int): Prototype head. Defaults to 0.
        epsilon (float): Sinkhorn epsilon of the balanced assignment. Defaults to 0.05.
        iterations (int): Sinkhorn iterations. Defaults to 3.
        balanced (bool): Compute the balanced assignment (``N x K x 4`` bytes). Defaults
            to True.
        neighbours (int): Neighbours per image (0: no neighbour search). Defaults to 5.
        dup_threshold (float): Cosine of a near-duplicate pair. Defaults to 0.995.
        near_copy (float): Cosine of near-copy prototypes. Defaults to 0.99.
        device (str, optional): Device of the neighbour search. Defaults to None (CPU).
    """
    out = dict(argmax=argmax_assignment(data['scores']), balanced={})
    if balanced:
        out['balanced'] = balanced_assignment(data['scores'], epsilon, iterations)
    num_prototypes = data['scores'].shape[1]
    counts = torch.bincount(out['argmax']['cluster'], minlength=num_prototypes)
    out['usage'] = {'argmax': count_stats(counts)}
    if balanced:
        out['usage']['balanced'] = count_stats(
            torch.bincount(out['balanced']['cluster'], minlength=num_prototypes))
    out['prototypes'] = dict(prototype_overlap(prototype_weights(model, head), counts,
                                               near_copy), threshold=near_copy)
    out['members'] = {name: cluster_members(a['cluster'], a['score'] if name == 'argmax'
                                            else a['code'])
                      for name, a in (('argmax', out['argmax']),
                                      ('balanced', out['balanced'])) if a}
    if neighbours > 0 and len(data['paths']) > 1:
        out['sims'], out['idx'] = self_neighbours(data['feature'], neighbours, device=device)
        out['duplicates'] = duplicate_pairs(out['sims'], out['idx'], dup_threshold)
    else:
        out['sims'] = out['idx'] = None
        out['duplicates'] = []
    return out


def summary_rows(data: Dict, result: Dict) -> List[Tuple[str, str]]:
    """The ``(label, value)`` lines printed and shown at the top of the page."""
    rows = [('images found', str(len(data['paths']) + len(data['skipped']))),
            ('readable (analysed)', str(len(data['paths']))),
            ('unreadable (left out)', str(len(data['skipped'])))]
    for name, stats in result['usage'].items():
        sizes = [c for c in stats['counts'] if c]
        rows.append((f'{name} clusters', f'{stats["used_prototypes"]} of '
                     f'{stats["num_prototypes"]} prototypes, sizes {min(sizes)}-{max(sizes)}, '
                     f'effective number exp(H) {stats["effective_prototypes"]:.1f}'))
    if result['balanced']:
        agree = (result['argmax']['cluster'] == result['balanced']['cluster']).double().mean()
        rows.append(('argmax = balanced cluster', f'{100 * float(agree):.1f} % of images'))
    proto = result['prototypes']
    rows.append(('near-copy prototypes', f'{len(proto["near_copy_pairs"])} pair(s) in '
                 f'{len(proto["near_copy_groups"])} group(s) (cosine >= {proto["threshold"]})'))
    rows.append(('unused prototypes', str(len(proto['unused']))))
    rows.append(('near-duplicate pairs', str(len(result['duplicates']))))
    return rows


def sample_queries(num_rows: int, num: int, seed: int = 0) -> List[int]:
    """``num`` rows drawn without replacement (seeded), in order."""
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(num_rows, size=min(num, num_rows), replace=False).tolist())


def cluster_page_rows(members: Sequence[Tuple[int, List[int]]], score: torch.Tensor,
                      num_clusters: int, num_images: int) -> List[Tuple[int, int, list]]:
    """``(cluster, size, [(row, score)])`` of the largest clusters, top images first."""
    return [(c, len(rows), [(r, float(score[r])) for r in rows[:num_images]])
            for c, rows in members[:num_clusters]]
