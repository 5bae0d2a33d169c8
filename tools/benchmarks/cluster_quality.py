# Copyright (c) mmswav contributors. All rights reserved.
"""How good are SwAV's clusters? Scored against the labels of an ImageFolder (the labels
are used only to score, never to cluster or merge).

    python tools/benchmarks/cluster_quality.py CONFIG --checkpoints random CKPT \
        --data-root data/cifar10-jpg --split test --out docs/clusters_results/x.json

Per model (``random``: the config's model, seeded random init), on every image of
``<data-root>/<split>``: NMI, ARI and clustering accuracy (Hungarian matching) of
(a) the prototype clusters, argmax and balanced (Sinkhorn over the whole set, the loss's
epsilon and iterations), raw and merged to ``--groups`` groups (each prototype to a group by
k-means on the prototype vectors), (b) k-means (k = ``--groups``) on the L2-normalised GAP
backbone features; neighbour precision at ``--k``; the cluster sizes of both assignments; and
the same on an imbalanced subset (``--imbalanced``: every image of the first classes, a
tenth of the others), where a balanced assignment must split the big classes.
"""
import argparse
import json
import os
import os.path as osp
import platform
import time

import numpy as np
import torch
from mmengine.config import Config

from mmswav.analysis.assign import argmax_assignment, balanced_assignment
from mmswav.analysis.clusters import extract
from mmswav.analysis.embed import load_model, prototype_weights, sinkhorn_settings
from mmswav.analysis.metrics import (
    cluster_scores,
    kmeans_clusters,
    merge_prototypes,
    neighbour_precision,
)
from mmswav.analysis.neighbours import self_neighbours
from mmswav.analysis.usage import count_stats
from mmswav.evaluation.features import build_eval_dataset
from mmswav.utils import register_all_modules, replace_sync_bn


def assignment_scores(scores, labels: np.ndarray, group: np.ndarray, epsilon: float,
                      iterations: int) -> dict:
    """Scores of the argmax and balanced prototype clusters, raw and merged; their sizes."""
    result = {}
    for name in ('argmax', 'balanced'):
        if name == 'argmax':
            cluster = argmax_assignment(scores)['cluster'].numpy()
        else:
            cluster = balanced_assignment(scores, epsilon, iterations)['cluster'].numpy()
        stats = count_stats(torch.bincount(torch.from_numpy(cluster),
                                           minlength=scores.shape[1]))
        result[name] = dict(
            prototypes=cluster_scores(labels, cluster),
            merged=cluster_scores(labels, group[cluster]),
            used_prototypes=stats['used_prototypes'],
            effective_clusters=stats['effective_prototypes'],
            largest_cluster_share=100.0 * max(stats['counts']) / len(cluster))
        result[f'_{name}'] = cluster
    result['agreement'] = 100.0 * float((result.pop('_argmax') == result.pop('_balanced'))
                                        .mean())
    return result


def evaluate(model, data: dict, args) -> dict:
    epsilon, iterations, _ = sinkhorn_settings(model)
    labels = data['labels'].numpy()
    feats = torch.as_tensor(np.asarray(data['feature'], np.float32))
    scores = torch.as_tensor(np.asarray(data['scores'], np.float32))
    group = merge_prototypes(prototype_weights(model), args.groups, args.seed)
    _, idx = self_neighbours(feats, args.k)
    classes = np.unique(labels)
    keep = np.flatnonzero(np.isin(labels, classes[:args.imbalanced]) |
                          (np.arange(len(labels)) % 10 == 0))
    return dict(
        num_images=len(labels), epsilon=epsilon, iterations=iterations,
        kmeans=cluster_scores(labels, kmeans_clusters(feats, args.groups, args.seed)),
        neighbour_precision=neighbour_precision(idx, labels),
        **assignment_scores(scores, labels, group, epsilon, iterations),
        imbalanced=dict(num_images=len(keep),
                        class_counts=np.bincount(labels[keep]).tolist(),
                        **assignment_scores(scores[keep], labels[keep], group, epsilon,
                                            iterations)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoints', nargs='+', default=['random'])
    parser.add_argument('--data-root', required=True, help='labelled ImageFolder root')
    parser.add_argument('--split', default='test', help='Defaults to test.')
    parser.add_argument('--groups', type=int, default=10, help='Defaults to 10.')
    parser.add_argument('--k', type=int, default=10, help='neighbours. Defaults to 10.')
    parser.add_argument('--imbalanced', type=int, default=2,
                        help='classes kept whole in the imbalanced subset. Defaults to 2.')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--num-workers', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', required=True, help='JSON file')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    replace_sync_bn(cfg._cfg_dict)
    dataset = build_eval_dataset(args.data_root, args.split)
    rows = []
    for checkpoint in args.checkpoints:
        start = time.time()
        model = load_model(cfg, checkpoint, args.seed)
        data = extract(model, dataset, batch_size=args.batch_size,
                       num_workers=args.num_workers, progress=False)
        row = dict(model=checkpoint, **evaluate(model, data, args))
        row['minutes'] = (time.time() - start) / 60
        rows.append(row)
        print(json.dumps(row, indent=1))
    result = dict(config=args.config, data_root=args.data_root, split=args.split,
                  groups=args.groups, k=args.k, seed=args.seed, rows=rows,
                  machine=dict(cpu=platform.processor() or platform.machine(),
                               threads=torch.get_num_threads(),
                               omp_num_threads=os.environ.get('OMP_NUM_THREADS')))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'[cluster_quality] -> {args.out}')
    return result


if __name__ == '__main__':
    main()
