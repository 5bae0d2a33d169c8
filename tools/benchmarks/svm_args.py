# Copyright (c) mmswav contributors. All rights reserved.
"""The command line of ``tools/benchmarks/svm.py`` (see its docstring)."""
import argparse
import os.path as osp
import sys

from mmswav.evaluation import svm as voc_svm
from mmswav.evaluation.features import POOL_SIZES
from mmswav.evaluation.voc07 import VOC_CLASSES

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import add_loader_args  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='VOC07 (low-shot) SVM on feature1..5')
    parser.add_argument('config', help='pretraining (or any mmswav) config: its model is built')
    parser.add_argument('--checkpoint', default='random', help="checkpoint or 'random'")
    parser.add_argument('--data-root', default='data/VOCdevkit/VOC2007',
                        help='VOC2007 folder (ImageSets/Main, Annotations, JPEGImages)')
    parser.add_argument('--classes', nargs='+', default=list(VOC_CLASSES),
                        help='VOC class names to evaluate (default: all 20)')
    parser.add_argument('--layers', nargs='+', default=[f'feature{i}' for i in range(1, 6)],
                        help='features to evaluate: feature1 (stem) ... feature5 (last stage)')
    parser.add_argument('--costs', type=float, nargs='+', default=list(voc_svm.DEFAULT_COSTS),
                        help='SVM costs C swept by 3-fold cross-validation')
    parser.add_argument('--low-shot', action='store_true',
                        help='also the low-shot SVM on the best layer')
    parser.add_argument('--low-shot-ks', type=int, nargs='+', default=list(voc_svm.LOW_SHOT_KS),
                        help='positives per class of the low-shot runs')
    parser.add_argument('--low-shot-runs', type=int, default=5,
                        help='random samples per low-shot k (the mAP is averaged)')
    parser.add_argument('--imagefolder', metavar='DATA_ROOT',
                        help='a single-label ImageFolder <DATA_ROOT>/<prefix>/<class>/* '
                        'instead of VOC07: one-vs-rest SVMs, mAP and top-1')
    parser.add_argument('--train-prefix', default='train', help='with --imagefolder')
    parser.add_argument('--test-prefix', default='test', help='with --imagefolder')
    parser.add_argument('--train-subset', type=int, default=0,
                        help='with --imagefolder: N class-balanced training images (seeded '
                        'by --seed), for the full and the low-shot SVMs; 0 = all')
    parser.add_argument('--test-subset', type=int, default=0,
                        help='with --imagefolder: N class-balanced test images; 0 = all')
    parser.add_argument('--pool-sizes', type=int, nargs='+', default=list(POOL_SIZES),
                        help='adaptive average pooling size of feature1..feature5')
    parser.add_argument('--resize', type=int, default=None,
                        help='short-edge resize; defaults to 256 for VOC07, 0 (none) for '
                        '--imagefolder')
    parser.add_argument('--crop', type=int, default=None,
                        help='centre crop; defaults to 224 for VOC07, 0 for --imagefolder')
    add_loader_args(parser, batch_size=32)
    parser.add_argument('--seed', type=int, default=0,
                        help="seed of the 'random' model and of the low-shot samples")
    parser.add_argument('--out', help='JSON file for the results')
    args = parser.parse_args(argv)
    if args.resize is None:
        args.resize = 0 if args.imagefolder else 256
    if args.crop is None:
        args.crop = 0 if args.imagefolder else 224
    return args
