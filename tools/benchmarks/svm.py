# Copyright (c) mmswav contributors. All rights reserved.
"""VOC07 SVM and low-shot SVM on feature1 ... feature5 of a (SwAV) ResNet.

    python tools/benchmarks/svm.py CONFIG --checkpoint work_dirs/x/epoch_200.pth \
        --data-root data/VOCdevkit/VOC2007 --out work_dirs/x/svm.json [--low-shot]

Reads ``ImageSets/Main/{trainval,test}.txt``, ``Annotations/*.xml`` and ``JPEGImages``;
images are resized (short edge 256) and centre-cropped to 224. Each stage's map is average-
pooled to 12/6/4/3/2 (``mmswav.evaluation.multi_layer_features``); per-class linear SVMs with
a cost sweep (3-fold CV); mAP per layer, the best layer, and with ``--low-shot`` the mAP for
k = 1, 2, 4, 8, 16, 32, 64, 96 positives per class on the best layer.
"""
import argparse
import json
import os
import os.path as osp
import sys
import xml.etree.ElementTree as ET

import numpy as np
from mmengine.config import Config
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import format_table  # noqa: E402
from knn import build_model  # noqa: E402

from mmswav.evaluation import extract_features, multi_layer_features  # noqa: E402
from mmswav.evaluation import svm as voc_svm  # noqa: E402
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
    parser.add_argument('config')
    parser.add_argument('--checkpoint', default='random', help="checkpoint or 'random'")
    parser.add_argument('--data-root', default='data/VOCdevkit/VOC2007')
    parser.add_argument('--classes', nargs='+', default=list(VOC_CLASSES))
    parser.add_argument('--layers', nargs='+', default=[f'feature{i}' for i in range(1, 6)])
    parser.add_argument('--costs', type=float, nargs='+', default=list(voc_svm.DEFAULT_COSTS))
    parser.add_argument('--low-shot', action='store_true')
    parser.add_argument('--low-shot-ks', type=int, nargs='+', default=list(voc_svm.LOW_SHOT_KS))
    parser.add_argument('--low-shot-runs', type=int, default=5)
    parser.add_argument('--resize', type=int, default=256)
    parser.add_argument('--crop', type=int, default=224)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out')
    return parser.parse_args(argv)


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
    feats, _ = extract_features(model, loader, fn=multi_layer_features)
    return {k: v.numpy() for k, v in feats.items() if k in args.layers}


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    replace_sync_bn(cfg._cfg_dict)
    model = build_model(cfg, args.checkpoint, args.seed)
    classes = tuple(args.classes)
    (train_ids, train_labels), (test_ids, test_labels) = (
        voc_labels(args.data_root, s, classes) for s in ('trainval', 'test'))
    print(f'[svm] extracting trainval ({len(train_ids)}) and test ({len(test_ids)})')
    train = extract_split(model, args.data_root, train_ids, args)
    test = extract_split(model, args.data_root, test_ids, args)
    rows = []
    for layer in args.layers:
        print(f'[svm] {layer}: {train[layer].shape[1]}-d, cost sweep {args.costs}')
        res = voc_svm.train_eval_svm(train[layer], train_labels, test[layer], test_labels,
                                     args.costs)
        rows.append(dict(layer=layer, dim=int(train[layer].shape[1]), **res))
    best = max(rows, key=lambda r: r['mAP'])
    result = dict(config=args.config, checkpoint=args.checkpoint, classes=list(classes),
                  rows=rows, best_layer=best['layer'], best_mAP=best['mAP'])
    print(format_table(rows, ['layer', 'dim', 'mAP']))
    print(f"[svm] best layer: {best['layer']} ({best['mAP']:.2f} mAP)")
    if args.low_shot:
        layer = best['layer']
        low = voc_svm.low_shot_svm(train[layer], train_labels, test[layer], test_labels,
                           args.low_shot_ks, args.costs, args.low_shot_runs)
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
