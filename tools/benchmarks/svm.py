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
import functools
import os.path as osp
import sys
import time

import numpy as np
from mmengine.config import Config
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader, Subset

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import format_table, save_result  # noqa: E402
from svm_args import parse_args  # noqa: E402

from mmswav.evaluation import (  # noqa: E402
    build_eval_dataset,
    extract_features,
    multi_layer_features,
)
from mmswav.evaluation import svm as voc_svm  # noqa: E402
from mmswav.evaluation.frozen_model import balanced_indices  # noqa: E402
from mmswav.evaluation.frozen_model import build_frozen_model as build_model  # noqa: E402
from mmswav.evaluation.voc07 import VOC_CLASSES, voc_image_dataset, voc_labels  # noqa: E402
from mmswav.utils import register_all_modules, replace_sync_bn  # noqa: E402

__all__ = ['VOC_CLASSES', 'balanced_indices', 'main', 'parse_args', 'voc_labels']


def feature_fn(args):
    """feature1..feature5 pooled to ``--pool-sizes``."""
    if len(args.pool_sizes) != 5:
        raise ValueError(f'--pool-sizes needs 5 sizes (feature1..feature5), got '
                         f'{args.pool_sizes}')
    return functools.partial(multi_layer_features, pool_sizes=tuple(args.pool_sizes))


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


def extract_split(model, root: str, ids, args) -> dict:
    """Features ``{layer: [N, D]}`` of the VOC images ``ids`` of ``root``."""
    loader = DataLoader(voc_image_dataset(root, ids, args.resize, args.crop),
                        batch_size=args.batch_size, num_workers=args.num_workers,
                        collate_fn=default_collate)
    feats, _ = extract_features(model, loader, fn=feature_fn(args))
    return {k: v.numpy() for k, v in feats.items() if k in args.layers}


def features_and_labels(model, args) -> tuple:
    """``(train, train_labels, test, test_labels, classes)``: features ``{layer: [N, D]}``
    and labels ``[N, C]`` of VOC07 trainval / test, or of the ImageFolder's splits."""
    if args.imagefolder:
        print(f'[svm] extracting {args.imagefolder}: {args.train_prefix} and {args.test_prefix}')
        train, train_labels, classes = imagefolder_split(model, args, args.train_prefix,
                                                         args.train_subset)
        test, test_labels, _ = imagefolder_split(model, args, args.test_prefix,
                                                 args.test_subset)
        return train, train_labels, test, test_labels, classes
    classes = tuple(args.classes)
    (train_ids, train_labels), (test_ids, test_labels) = (
        voc_labels(args.data_root, s, classes) for s in ('trainval', 'test'))
    print(f'[svm] extracting trainval ({len(train_ids)}) and test ({len(test_ids)})')
    train = extract_split(model, args.data_root, train_ids, args)
    test = extract_split(model, args.data_root, test_ids, args)
    return train, train_labels, test, test_labels, classes


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    replace_sync_bn(cfg._cfg_dict)
    model = build_model(cfg, args.checkpoint, args.seed)
    start = time.time()
    train, train_labels, test, test_labels, classes = features_and_labels(model, args)
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
    save_result(result, args.out, 'svm')
    return result


if __name__ == '__main__':
    main()
