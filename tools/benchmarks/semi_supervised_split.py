# Copyright (c) mmswav contributors. All rights reserved.
"""Write the 1 % / 10 % label subsets for semi-supervised fine-tuning.

    python tools/benchmarks/semi_supervised_split.py data/imagenet/meta/train.txt \
        --percent 1 10 [--seed 0] [--simclr-list 1percent.txt]
    python tools/benchmarks/semi_supervised_split.py data/cifar10-jpg/train --percent 1 10

Input: mmpretrain's annotation list (``<relative path> <label>`` per line), or an ImageFolder
directory ``<class>/<image>`` (class index = rank of the sorted folder name, as mmpretrain's
``CustomDataset``). Output: ``train_1percent.txt``, ``train_10percent.txt`` in the list format,
next to the list file, or for a folder in ``<folder>/../meta/`` (paths relative to the
folder, i.e. the config's ``data_prefix``); ``--out-dir`` elsewhere. Deterministic and
class-balanced: per class, ``max(1, round(n_c * p / 100))`` images chosen by a seeded
permutation of the class's sorted list. ``--simclr-list`` instead keeps exactly the images
named in SimCLR's published ``1percent.txt`` / ``10percent.txt`` (the lists the SwAV paper
used), matched by file name.
"""
import argparse
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Sequence, Tuple

import numpy as np


def read_ann(path: str) -> List[Tuple[str, int]]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist: expected mmpretrain\'s annotation '
                                'list "<relative path> <label>" per line, or an ImageFolder '
                                'directory')
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


def read_image_folder(folder: str) -> List[Tuple[str, int]]:
    """``(<class>/<file>, class index)`` of every image under ``folder``, in the order and with
    the class indices of mmpretrain's ``CustomDataset`` (sorted folder names)."""
    from mmpretrain.datasets import CustomDataset
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} is not a folder: expected an ImageFolder '
                                '<class>/<image> layout or an annotation list file')
    dataset = CustomDataset(data_root=folder, pipeline=[], serialize_data=False)
    return [(osp.relpath(info['img_path'], folder), int(info['gt_label']))
            for info in dataset.data_list]


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
    parser = argparse.ArgumentParser(description='1%%/10%% label subsets (class-balanced)')
    parser.add_argument('ann_file', help='mmpretrain train list (meta/train.txt) or an '
                        'ImageFolder directory (e.g. data/cifar10-jpg/train)')
    parser.add_argument('--percent', type=float, nargs='+', default=[1, 10])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--simclr-list', nargs='+', default=None,
                        help='SimCLR subset files, one per --percent value')
    parser.add_argument('--out-dir', help='defaults to the folder of ann_file, or '
                        '<folder>/../meta for an ImageFolder directory')
    args = parser.parse_args(argv)
    if osp.isdir(args.ann_file):
        items = read_image_folder(args.ann_file)
        default_out = osp.join(osp.dirname(osp.abspath(args.ann_file.rstrip('/'))), 'meta')
    else:
        items = read_ann(args.ann_file)
        default_out = osp.dirname(osp.abspath(args.ann_file))
    out_dir = args.out_dir or default_out
    os.makedirs(out_dir, exist_ok=True)
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
