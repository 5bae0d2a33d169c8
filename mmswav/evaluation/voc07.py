# Copyright (c) mmswav contributors. All rights reserved.
"""The VOC2007 classification split of the SVM benchmark: image ids, their multi-labels from
``Annotations/*.xml``, and the (resize, centre crop) dataset of their ``JPEGImages``."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Sequence, Tuple

import numpy as np
from mmpretrain.datasets import CustomDataset

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')


def voc_labels(root: str, split: str,
               classes: Sequence[str] = VOC_CLASSES) -> Tuple[List[str], np.ndarray]:
    """Image ids of ``split`` and their ``[N, C]`` labels in {1, -1, 0 (difficult only)}.

    Args:
        root (str): A VOC2007 folder (``ImageSets/Main``, ``Annotations``, ``JPEGImages``).
        split (str): ``'trainval'`` or ``'test'``.
        classes (Sequence[str]): Class names, in label order. Defaults to the 20 VOC classes.

    Raises:
        FileNotFoundError: The split's list file is missing.
        ValueError: An annotation names a class outside ``classes``.
    """
    list_file = osp.join(root, 'ImageSets', 'Main', f'{split}.txt')
    if not osp.isfile(list_file):
        raise FileNotFoundError(f'{list_file} does not exist: expected a VOC2007 folder '
                                '(ImageSets/Main, Annotations, JPEGImages)')
    with open(list_file) as f:
        ids = [line.strip() for line in f if line.strip()]
    labels = -np.ones((len(ids), len(classes)), dtype=np.int64)  # [N, C]
    for i, image_id in enumerate(ids):
        for obj in ET.parse(osp.join(root, 'Annotations', f'{image_id}.xml')).findall('object'):
            name = obj.findtext('name').strip()
            if name not in classes:
                raise ValueError(f'{image_id}.xml: unknown class {name!r}')
            c = classes.index(name)
            difficult = int(obj.findtext('difficult', '0'))
            labels[i, c] = 1 if not difficult else max(labels[i, c], 0)
    return ids, labels


def voc_image_dataset(root: str, ids: Sequence[str], resize: int,
                      crop: int) -> CustomDataset:
    """The unlabelled images ``JPEGImages/<id>.jpg`` of ``ids``, in order: short edge
    resized to ``resize``, centre crop ``crop``."""
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='ResizeEdge', scale=resize, edge='short', backend='pillow'),
                dict(type='CenterCrop', crop_size=crop), dict(type='PackInputs')]
    dataset = CustomDataset(data_root=root, data_prefix='JPEGImages', with_label=False,
                            pipeline=pipeline, lazy_init=True, serialize_data=False)
    dataset.data_list = [dict(img_path=osp.join(root, 'JPEGImages', f'{i}.jpg')) for i in ids]
    dataset._fully_initialized = True
    return dataset
