# Copyright (c) mmswav contributors. All rights reserved.
"""The command line of ``tools/benchmarks/knn.py`` (see its docstring)."""
import argparse
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import add_loader_args  # noqa: E402


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
    add_loader_args(parser, batch_size=256)
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
