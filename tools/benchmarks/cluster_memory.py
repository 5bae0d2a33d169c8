# Copyright (c) mmswav contributors. All rights reserved.
"""Peak memory of the cluster analysis after feature extraction, per stage, on float16
memory maps of random features ``[N, D]`` and prototype scores ``[N, K]`` (what
``cluster_images.py`` gets over its memory budget), to extrapolate to ImageNet.

    python tools/benchmarks/cluster_memory.py --num 50000 --dim 2048 --prototypes 3000 \
        --neighbours 5 --scratch /tmp/cluster_memory --out docs/clusters_results/memory_50k.json

Stages, in order: argmax (blockwise top-2), balanced (the project's Sinkhorn on all N rows,
float32), cluster member lists, neighbours (blockwise top-k, ``--neighbours 0`` skips it)
and the duplicate pairs. ``ru_maxrss`` (the max resident set size, as ``/usr/bin/time -v``
reports it) is read after each stage; wall and CPU seconds too. The memory maps are written
by a child process, so the measured process only reads them.
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time

import numpy as np


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_map(path: str, rows: int, cols: int, seed: int) -> None:
    """Write a float16 ``.npy`` of uniform random values in [-1, 1), in chunks."""
    rng = np.random.default_rng(seed)
    data = np.lib.format.open_memmap(path, 'w+', np.float16, (rows, cols))
    for start in range(0, rows, 8192):
        stop = min(start + 8192, rows)
        data[start:stop] = rng.random((stop - start, cols), np.float32) * 2 - 1
    data.flush()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num', type=int, default=50000)
    parser.add_argument('--dim', type=int, default=2048)
    parser.add_argument('--prototypes', type=int, default=3000)
    parser.add_argument('--neighbours', type=int, default=5)
    parser.add_argument('--scratch', default='/tmp/cluster_memory')
    parser.add_argument('--out', required=True)
    parser.add_argument('--make-maps', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    paths = [osp.join(args.scratch, f) for f in ('feats.npy', 'scores.npy')]
    if args.make_maps:
        os.makedirs(args.scratch, exist_ok=True)
        random_map(paths[0], args.num, args.dim, 0)
        random_map(paths[1], args.num, args.prototypes, 1)
        return {}
    subprocess.run([sys.executable, __file__, '--make-maps', *sys.argv[1:]], check=True)
    import torch

    from mmswav.analysis.assign import (
        argmax_assignment,
        balanced_assignment,
        cluster_members,
    )
    from mmswav.analysis.neighbours import duplicate_pairs, self_neighbours
    feats, scores = (np.load(p, mmap_mode='r') for p in paths)
    stages = [dict(stage='start (imports, memory maps open)', rss_mib=rss_mib())]

    def timed(name, fn):
        wall, cpu = time.time(), time.process_time()
        out = fn()
        stages.append(dict(stage=name, rss_mib=rss_mib(), wall_s=time.time() - wall,
                           cpu_s=time.process_time() - cpu))
        print(json.dumps(stages[-1]), flush=True)
        return out

    argmax = timed('argmax', lambda: argmax_assignment(scores))
    balanced = timed('balanced (Sinkhorn)', lambda: balanced_assignment(scores, 0.05, 3))
    timed('cluster members', lambda: [cluster_members(argmax['cluster'], argmax['score']),
                                      cluster_members(balanced['cluster'], balanced['code'])])
    if args.neighbours:
        sims, idx = timed('neighbours', lambda: self_neighbours(feats, args.neighbours))
        timed('duplicates', lambda: duplicate_pairs(sims, idx, 0.98))
    result = dict(vars(args), threads=torch.get_num_threads(), stages=stages,
                  load_average=os.getloadavg(), machine='AMD EPYC, 2 cores shared')
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    main()
