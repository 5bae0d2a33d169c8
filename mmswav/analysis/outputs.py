# Copyright (c) mmswav contributors. All rights reserved.
"""The files of a cluster analysis: assignments CSV, clusters JSON, pseudo-label lists,
neighbour and duplicate CSVs and (optionally) a folder of links per cluster."""
import csv
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from torch import Tensor


def write_assignments(path: str, paths: Sequence[str], argmax: Dict[str, Tensor],
                      balanced: Dict[str, Tensor]) -> None:
    """One row per image: path, argmax cluster, its score, the runner-up and its score, and
    (when computed) the balanced cluster and its code."""
    header = ['path', 'cluster', 'score', 'runner_up', 'runner_up_score']
    header += ['balanced_cluster', 'balanced_code'] if balanced else []
    columns = [argmax['cluster'].tolist(), argmax['score'].tolist(),
               argmax['runner_up'].tolist(), argmax['runner_up_score'].tolist()]
    if balanced:
        columns += [balanced['cluster'].tolist(), balanced['code'].tolist()]
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row, values in zip(paths, zip(*columns)):
            writer.writerow([row] + [f'{v:.6g}' if isinstance(v, float) else v
                                     for v in values])


def cluster_entries(members: List[Tuple[int, List[int]]], paths: Sequence[str],
                    score: Tensor) -> List[dict]:
    """The JSON entry of every cluster: id, size and members sorted by score."""
    return [dict(cluster=c, size=len(rows),
                 members=[dict(path=paths[r], score=round(float(score[r]), 6)) for r in rows])
            for c, rows in members]


def write_pseudo_labels(path: str, paths: Sequence[str], cluster: Tensor) -> None:
    """``<absolute path> <cluster>`` per line: mmpretrain's ``CustomDataset(ann_file=...)``
    reads it as labels, ``UnlabeledImageDataset`` / ``--data`` as a plain image list."""
    with open(path, 'w') as f:
        for p, c in zip(paths, cluster.tolist()):
            f.write(f'{osp.abspath(p)} {c}\n')


def write_neighbours(path: str, paths: Sequence[str], sims: Tensor, idx: Tensor) -> None:
    """One row per (image, rank): path, rank (1 = nearest), neighbour path, cosine."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['path', 'rank', 'neighbour', 'cosine'])
        for row, (s_row, i_row) in enumerate(zip(sims.tolist(), idx.tolist())):
            for rank, (s, i) in enumerate(zip(s_row, i_row), 1):
                writer.writerow([paths[row], rank, paths[i], f'{s:.6f}'])


def write_duplicates(path: str, paths: Sequence[str],
                     pairs: Sequence[Tuple[int, int, float]]) -> None:
    """One row per near-duplicate pair: both paths and their cosine."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['path_a', 'path_b', 'cosine'])
        writer.writerows([paths[a], paths[b], f'{s:.6f}'] for a, b, s in pairs)


def write_links(folder: str, paths: Sequence[str], members: List[Tuple[int, List[int]]]) -> int:
    """``<folder>/cluster_<id>/<rank>_<name>``: a symbolic link to each member (rank by
    score); shard members (no file of their own) are left out. The links made."""
    made = 0
    for cluster, rows in members:
        target = osp.join(folder, f'cluster_{cluster:05d}')
        os.makedirs(target, exist_ok=True)
        for rank, row in enumerate(rows):
            if not osp.isfile(paths[row]):
                continue
            os.symlink(osp.abspath(paths[row]),
                       osp.join(target, f'{rank:06d}_{osp.basename(paths[row])}'))
            made += 1
    return made


def write_json(path: str, data: dict) -> None:
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)
