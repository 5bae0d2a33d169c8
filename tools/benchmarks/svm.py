# Copyright (c) mmswav contributors. All rights reserved.
"""VOC07 SVM and low-shot SVM on feature1 ... feature5 of a (SwAV) ResNet.

    python tools/benchmarks/svm.py CONFIG --checkpoint work_dirs/x/epoch_200.pth \
        --data-root data/VOCdevkit/VOC2007 --out work_dirs/x/svm.json [--low-shot]

Reads ``ImageSets/Main/{trainval,test}.txt``, ``Annotations/*.xml`` and ``JPEGImages``;
images are resized (short edge 256) and centre-cropped to 224. Each stage's map is average-
pooled to 12/6/4/3/2 (``mmswav.evaluation.multi_layer_features``); per-class linear SVMs with
a cost sweep (3-fold CV); mAP per layer, the best layer, and with ``--low-shot`` the mAP for
k = 1, 2, 4, 8, 16, 32, 64, 96 positives per class on the best layer.

Single-label ImageFolder datasets (e.g. CIFAR-10 at its native 32 px, no resize):

    python tools/benchmarks/svm.py CONFIG --checkpoint random \
        --imagefolder data/cifar10-jpg --train-subset 5000 --low-shot --out svm.json

``<DATA_ROOT>/{train,test}/<class>/*``: one-vs-rest SVMs (class c positive, every other class
negative), the same mAP plus the top-1 of the arg-max score; ``--train-subset N`` keeps N
class-balanced (seeded) training images for the full SVM and the low-shot samples.
"""
import argparse
import functools
import json
import os
import os.path as osp
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
from mmengine.config import Config
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader, Subset

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import format_table  # noqa: E402
from knn import build_model  # noqa: E402

from mmswav.evaluation import (  # noqa: E402
    build_eval_dataset,
    extract_features,
    multi_layer_features,
)
from mmswav.evaluation import svm as voc_svm  # noqa: E402
from mmswav.evaluation.features import POOL_SIZES  # noqa: E402
from mmswav.utils import register_all_modules, replace_sync_bn  # noqa: E402

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')


def voc_labels(root: str, split: str, classes=VOC_CLASSES):
    """Image ids of ``split`` and their ``[N, C]`` labels in {1, -1, 0 (difficult only)}."""
    list_file = osp.join(root, 'ImageSets', 'Main', f'{split}.txt')
    if not osp.isfile(list_file):
        raise FileNotFoundError(f'{list_file} does not exist: expected a VOC2007 folder '
                                '(ImageSets/Main, Annotations, JPEGImages)')
    ids = [line.strip() for line in open(list_file) if line.strip()]
    labels = -np.ones((len(ids), len(classes)), dtype=np.int64)
    for i, image_id in enumerate(ids):
        for obj in ET.parse(osp.join(root, 'Annotations', f'{image_id}.xml')).findall('object'):
            name = obj.findtext('name').strip()
            if name not in classes:
                raise ValueError(f'{image_id}.xml: unknown class {name!r}')
            c = classes.index(name)
            difficult = int(obj.findtext('difficult', '0'))
            labels[i, c] = 1 if not difficult else max(labels[i, c], 0)
    return ids, labels


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
    parser.add_argument('--batch-size', type=int, default=32,
                        help='images per feature-extraction batch')
    parser.add_argument('--num-workers', type=int, default=2,
                        help='dataloader worker processes')
    parser.add_argument('--seed', type=int, default=0,
                        help="seed of the 'random' model and of the low-shot samples")
    parser.add_argument('--out', help='JSON file for the results')
    args = parser.parse_args(argv)
    if args.resize is None:
        args.resize = 0 if args.imagefolder else 256
    if args.crop is None:
        args.crop = 0 if args.imagefolder else 224
    return args


def feature_fn(args):
    """feature1..feature5 pooled to ``--pool-sizes``."""
    if len(args.pool_sizes) != 5:
        raise ValueError(f'--pool-sizes needs 5 sizes (feature1..feature5), got '
                         f'{args.pool_sizes}')
    return functools.partial(multi_layer_features, pool_sizes=tuple(args.pool_sizes))


def balanced_indices(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n // num_classes`` seeded random indices of every class, sorted; all if ``n`` is 0
    or not below ``len(labels)``."""
    if not n or n >= len(labels):
        return np.arange(len(labels))
    classes = np.unique(labels)
    if n < len(classes):
        raise ValueError(f'a subset of {n} images cannot hold the {len(classes)} classes')
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate(
        [rng.permutation(np.flatnonzero(labels == c))[:n // len(classes)] for c in classes]))


def imagefolder_split(model, args, prefix: str, subset: int):
    """Features ``{layer: [N, D]}``, labels ``[N, C]`` in {1, -1} and class names of
    ``<args.imagefolder>/<prefix>``."""
    dataset = build_eval_dataset(args.imagefolder, prefix, args.resize, args.crop)
    labels = np.array([dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))])
    index = balanced_indices(labels, subset, args.seed)
    loader = DataLoader(Subset(dataset, index.tolist()), batch_size=args.batch_size,
                        num_workers=args.num_workers, collate_fn=default_collate)
    feats, _ = extract_features(model, loader, fn=feature_fn(args))
    classes = dataset.metainfo['classes']
    return ({k: v.numpy() for k, v in feats.items() if k in args.layers},
            voc_svm.one_vs_rest_labels(labels[index], len(classes)), list(classes))


def extract_split(model, root, ids, args):
    from mmpretrain.datasets import CustomDataset
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='ResizeEdge', scale=args.resize, edge='short', backend='pillow'),
                dict(type='CenterCrop', crop_size=args.crop), dict(type='PackInputs')]
    dataset = CustomDataset(data_root=root, data_prefix='JPEGImages', with_label=False,
                            pipeline=pipeline, lazy_init=True, serialize_data=False)
    dataset.data_list = [dict(img_path=osp.join(root, 'JPEGImages', f'{i}.jpg')) for i in ids]
    dataset._fully_initialized = True
    loader = DataLoader(dataset, batch_size=args.batch_size, num_workers=args.num_workers,
                        collate_fn=default_collate)
    feats, _ = extract_features(model, loader, fn=feature_fn(args))
    return {k: v.numpy() for k, v in feats.items() if k in args.layers}


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    replace_sync_bn(cfg._cfg_dict)
    model = build_model(cfg, args.checkpoint, args.seed)
    start = time.time()
    if args.imagefolder:
        print(f'[svm] extracting {args.imagefolder}: {args.train_prefix} and {args.test_prefix}')
        train, train_labels, classes = imagefolder_split(model, args, args.train_prefix,
                                                         args.train_subset)
        test, test_labels, _ = imagefolder_split(model, args, args.test_prefix,
                                                 args.test_subset)
    else:
        classes = tuple(args.classes)
        (train_ids, train_labels), (test_ids, test_labels) = (
            voc_labels(args.data_root, s, classes) for s in ('trainval', 'test'))
        print(f'[svm] extracting trainval ({len(train_ids)}) and test ({len(test_ids)})')
        train = extract_split(model, args.data_root, train_ids, args)
        test = extract_split(model, args.data_root, test_ids, args)
    timing = dict(extract_s=time.time() - start)
    rows = []
    for layer in args.layers:
        print(f'[svm] {layer}: {train[layer].shape[1]}-d, cost sweep {args.costs}')
        start = time.time()
        res = voc_svm.train_eval_svm(train[layer], train_labels, test[layer], test_labels,
                                     args.costs)
        rows.append(dict(layer=layer, dim=int(train[layer].shape[1]), **res,
                         seconds=time.time() - start))
    best = max(rows, key=lambda r: r['mAP'])
    result = dict(config=args.config, checkpoint=args.checkpoint, classes=list(classes),
                  num_train=len(train_labels), num_test=len(test_labels),
                  pool_sizes=list(args.pool_sizes), rows=rows, best_layer=best['layer'],
                  best_mAP=best['mAP'], timing=timing)
    print(format_table(rows, ['layer', 'dim', 'mAP'] + (['top1'] if 'top1' in best else [])))
    print(f"[svm] best layer: {best['layer']} ({best['mAP']:.2f} mAP)")
    if args.low_shot:
        layer = best['layer']
        start = time.time()
        low = voc_svm.low_shot_svm(train[layer], train_labels, test[layer], test_labels,
                                   args.low_shot_ks, args.costs, args.low_shot_runs)
        timing['low_shot_s'] = time.time() - start
        result['low_shot'] = dict(layer=layer, **low)
        print(format_table([dict(layer=layer, **low)], ['layer'] + list(low)))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'[svm] saved {args.out}')
    return result


if __name__ == '__main__':
    main()
