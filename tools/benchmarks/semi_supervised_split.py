# Copyright (c) mmswav contributors. All rights reserved.
"""Write the 1 % / 10 % ImageNet label subsets for semi-supervised fine-tuning.

    python tools/benchmarks/semi_supervised_split.py data/imagenet/meta/train.txt \
        --percent 1 10 [--seed 0] [--simclr-list 1percent.txt]

Input: mmpretrain's annotation list (``<relative path> <label>`` per line). Output, next to
it: ``train_1percent.txt``, ``train_10percent.txt`` in the same format. Deterministic and
class-balanced: per class, ``max(1, round(n_c * p / 100))`` images chosen by a seeded
permutation of the class's sorted list. ``--simclr-list`` instead keeps exactly the images
named in SimCLR's published ``1percent.txt`` / ``10percent.txt`` (the lists the SwAV paper
used), matched by file name.
"""
import argparse
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

import numpy as np


def read_ann(path: str) -> List[Tuple[str, int]]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: expected mmpretrain\'s ImageNet '
                                'annotation list "<relative path> <label>" per line')
    items = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise ValueError(f'{path}:{n}: expected "<relative path> <label>", got '
                                 f'{line.strip()!r}')
            items.append((parts[0], int(parts[1])))
    return items


def balanced_subset(items: Sequence[Tuple[str, int]], percent: float,
                    seed: int = 0) -> List[Tuple[str, int]]:
    """``percent`` % of every class (at least one image), deterministic given ``seed``."""
    if not 0 < percent <= 100:
        raise ValueError(f'percent must be in (0, 100], got {percent}')
    by_class: Dict[int, List[str]] = defaultdict(list)
    for path, label in items:
        by_class[label].append(path)
    rng = np.random.default_rng(seed)
    chosen = []
    for label in sorted(by_class):
        paths = sorted(by_class[label])
        n = max(1, int(round(len(paths) * percent / 100)))
        for i in sorted(rng.permutation(len(paths))[:n]):
            chosen.append((paths[i], label))
    return chosen


def simclr_subset(items: Sequence[Tuple[str, int]], list_file: str) -> List[Tuple[str, int]]:
    """The images named in SimCLR's subset list (one file name per line)."""
    with open(list_file) as f:
        names = {line.strip() for line in f if line.strip()}
    chosen = [(p, label) for p, label in items if osp.basename(p) in names]
    if len(chosen) != len(names):
        raise ValueError(f'{list_file} names {len(names)} images but {len(chosen)} were found '
                         'in the annotation list; check the ImageNet train list')
    return chosen


def write_ann(path: str, items: Sequence[Tuple[str, int]]) -> None:
    with open(path, 'w') as f:
        f.writelines(f'{p} {label}\n' for p, label in items)


def main(argv=None) -> Dict[str, str]:
    parser = argparse.ArgumentParser(description='ImageNet 1%/10% label subsets')
    parser.add_argument('ann_file', help='mmpretrain ImageNet train list (meta/train.txt)')
    parser.add_argument('--percent', type=float, nargs='+', default=[1, 10])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--simclr-list', nargs='+', default=None,
                        help='SimCLR subset files, one per --percent value')
    parser.add_argument('--out-dir', help='defaults to the folder of ann_file')
    args = parser.parse_args(argv)
    items = read_ann(args.ann_file)
    out_dir = args.out_dir or osp.dirname(osp.abspath(args.ann_file))
    if args.simclr_list and len(args.simclr_list) != len(args.percent):
        raise ValueError('give one --simclr-list file per --percent value')
    written = {}
    for i, percent in enumerate(args.percent):
        subset = (simclr_subset(items, args.simclr_list[i]) if args.simclr_list
                  else balanced_subset(items, percent, args.seed))
        name = f'train_{percent:g}percent.txt'
        write_ann(osp.join(out_dir, name), subset)
        written[name] = osp.join(out_dir, name)
        print(f'[semi-supervised] {len(subset)} of {len(items)} images '
              f'({100 * len(subset) / len(items):.2f} %) -> {written[name]}')
    return written


if __name__ == '__main__':
    main()
