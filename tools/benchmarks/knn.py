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
import argparse
import json
import os
import os.path as osp
import sys
import time

import torch
from mmengine.config import Config
from mmengine.dist import get_dist_info, init_dist
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint
from mmengine.runner.utils import set_random_seed
from torch.utils.data import Subset

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import format_table  # noqa: E402

from mmswav.evaluation import (  # noqa: E402
    build_eval_dataset,
    knn_accuracy,
    logistic_regression_accuracy,
)
from mmswav.evaluation.dist_features import extract_features_dist  # noqa: E402
from mmswav.registry import MODELS  # noqa: E402
from mmswav.utils import register_all_modules, replace_sync_bn  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='kNN evaluation of frozen features')
    parser.add_argument('config', help='pretraining (or any mmswav) config: its model is built')
    parser.add_argument('--checkpoints', nargs='+', default=['random'],
                        help="checkpoint files, or 'random' for the random initialisation")
    parser.add_argument('--data-root', help='ImageFolder root; defaults to the config data_root')
    parser.add_argument('--train-prefix', default='train',
                        help='memory-bank split: <data-root>/<train-prefix>/<class>/*')
    parser.add_argument('--test-prefix', default='test',
                        help='query split: <data-root>/<test-prefix>/<class>/*')
    parser.add_argument('--resize', type=int, default=0,
                        help='resize the short edge then centre-crop (e.g. 256/224 on '
                        'ImageNet); 0 keeps the images as they are (CIFAR)')
    parser.add_argument('--crop', type=int, default=0, help='centre-crop size')
    parser.add_argument('--ks', type=int, nargs='+', default=[10, 20, 100, 200],
                        help='numbers of neighbours k to report')
    parser.add_argument('--temperature', type=float, default=0.07,
                        help='temperature of the exp(similarity / T) vote weights')
    parser.add_argument('--train-subset', type=int, default=0,
                        help='use only the first N training images (every k-th), 0 = all')
    parser.add_argument('--test-subset', type=int, default=0,
                        help='use only N evenly spaced test images (smoke runs), 0 = all')
    parser.add_argument('--batch-size', type=int, default=256,
                        help='images per feature-extraction batch')
    parser.add_argument('--num-workers', type=int, default=2,
                        help='dataloader worker processes')
    parser.add_argument('--seed', type=int, default=0,
                        help="seed of the 'random' model's initialisation")
    parser.add_argument('--linear', action='store_true',
                        help='also fit a logistic regression on the same frozen features '
                        '(the fast "linear" figure)')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar (batch jobs that log to a file)')
    parser.add_argument('--out', help='JSON file for the results')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none',
                        help='pytorch: one process per rank (torchrun), each extracts its '
                        'share of the images')
    parser.add_argument('--memory-budget-gb', type=float, default=8.,
                        help='features larger than this (float32) go to float16 memory '
                        'maps in --memmap-dir')
    parser.add_argument('--memmap-dir', help='folder for the feature memory maps (shared '
                        'by all ranks); defaults to <--out folder>/features')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='device of the model and the kNN search. Defaults to the GPU '
                        'when there is one')
    parser.add_argument('--query-chunk', type=int, default=1024, help='queries per kNN block')
    parser.add_argument('--bank-chunk', type=int, default=16384,
                        help='memory-bank rows per kNN block')
    return parser.parse_args(argv)


def evenly_spaced(dataset, n: int):
    """A class-balanced-ish deterministic subset: every ``len/n``-th sample."""
    if not n or n >= len(dataset):
        return dataset
    step = len(dataset) / n
    return Subset(dataset, [int(i * step) for i in range(n)])


def build_model(cfg: Config, checkpoint: str, seed: int) -> torch.nn.Module:
    set_random_seed(seed)
    model = MODELS.build(cfg.model)
    if checkpoint == 'random':
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel('WARNING')  # init_weights logs every parameter
        try:
            model.init_weights()
        finally:
            logger.setLevel(level)
    else:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
        load_checkpoint(model, checkpoint, map_location='cpu', logger='current')
    return model


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
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'[knn] saved {args.out}')
    return result


if __name__ == '__main__':
    main()
