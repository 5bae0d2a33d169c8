# Copyright (c) mmswav contributors. All rights reserved.
"""Weighted kNN top-1 of frozen backbone features (cosine, tau=0.07, k=10/20/100/200).

    python tools/benchmarks/knn.py CONFIG --checkpoints random work_dirs/x/epoch_10.pth \
        --data-root data/cifar10-jpg --out work_dirs/x/knn.json

``random`` is the config's model with its random initialisation (seeded). The images are
read from ``<data-root>/<train-prefix>/<class>/*`` and ``<data-root>/<test-prefix>/...``
(ImageFolder); the table is printed and saved as JSON.

At ImageNet size (docs/evaluation.md): ``torchrun --nproc_per_node N tools/benchmarks/knn.py
... --launcher pytorch`` extracts each rank's share; features over ``--memory-budget-gb``
go to float16 memory maps in ``--memmap-dir``; the kNN searches the top max(k) once,
blockwise (``--query-chunk`` x ``--bank-chunk``), on ``--device`` (the GPU when there is one).
"""
import os.path as osp
import sys
import time

import torch
from mmengine.config import Config
from mmengine.dist import get_dist_info, init_dist

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import format_table, save_result  # noqa: E402
from knn_args import parse_args  # noqa: E402

from mmswav.evaluation import (  # noqa: E402
    build_eval_dataset,
    knn_accuracy,
    logistic_regression_accuracy,
)
from mmswav.evaluation.dist_features import extract_features_dist  # noqa: E402
from mmswav.evaluation.frozen_model import build_frozen_model as build_model  # noqa: E402
from mmswav.evaluation.frozen_model import evenly_spaced  # noqa: E402
from mmswav.utils import register_all_modules, replace_sync_bn  # noqa: E402

__all__ = ['build_model', 'main', 'parse_args']


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    replace_sync_bn(cfg._cfg_dict)
    data_root = args.data_root or cfg.get('data_root', None)
    if data_root is None:
        raise ValueError(f'{args.config} has no data_root: pass --data-root')
    if args.launcher != 'none':
        init_dist(args.launcher, backend='nccl' if args.device.startswith('cuda') else 'gloo')
    rank = get_dist_info()[0]
    memmap_dir = args.memmap_dir or osp.join(osp.dirname(osp.abspath(args.out or 'knn.json')),
                                              'features')
    datasets = {}  # extract_features_dist builds each rank's loader
    for split, prefix in (('train', args.train_prefix), ('test', args.test_prefix)):
        dataset = build_eval_dataset(data_root, prefix, args.resize, args.crop)
        datasets[split] = evenly_spaced(
            dataset, args.train_subset if split == 'train' else args.test_subset)
    rows = []
    for checkpoint in args.checkpoints:
        model = build_model(cfg, checkpoint, args.seed).to(args.device)
        start = time.time()
        feats = {}
        for split, dataset in datasets.items():
            print(f'[knn] {checkpoint}: extracting {split} features ({len(dataset)})')
            out, labels = extract_features_dist(
                model, dataset, args.batch_size, args.num_workers,
                progress=not args.no_progress, memory_budget_gb=args.memory_budget_gb,
                memmap_dir=memmap_dir, prefix=split)
            feats[split] = (out['feature'], labels)
        if rank != 0:
            continue
        acc = knn_accuracy(*feats['train'], *feats['test'], ks=args.ks,
                           temperature=args.temperature, chunk_size=args.query_chunk,
                           bank_chunk=args.bank_chunk, device=args.device)
        if args.linear:
            print(f'[knn] {checkpoint}: fitting the logistic-regression probe')
            dense = [torch.as_tensor(x, dtype=torch.float32) for x in
                     (feats['train'][0], feats['test'][0])]  # loads memory maps in memory
            acc['linear_top1'] = logistic_regression_accuracy(
                dense[0].cpu(), feats['train'][1], dense[1].cpu(), feats['test'][1])
        rows.append(dict(model=checkpoint, **acc, minutes=(time.time() - start) / 60))
    result = dict(config=args.config, data_root=data_root, temperature=args.temperature,
                  num_train=len(datasets['train']), num_test=len(datasets['test']),
                  rows=rows)
    if rank != 0:
        return result
    columns = ['model'] + [f'top1_k{k}' for k in args.ks]
    print(format_table(rows, columns + (['linear_top1'] if args.linear else [])))
    save_result(result, args.out, 'knn')
    return result


if __name__ == '__main__':
    main()
