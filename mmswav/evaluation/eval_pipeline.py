# Copyright (c) mmswav contributors. All rights reserved.
"""One evaluation view for every feature extractor (kNN, SVM, ``mmswav.apis``), and the
resolution a model was trained at, read from its config."""
from typing import Any, List, Optional


def eval_transforms(resize: int = 0, crop: int = 0) -> List[dict]:
    """Short-edge resize to ``resize`` (Pillow, bilinear), then centre-crop ``crop``; 0 skips
    either step. The same transforms in ``tools/benchmarks/knn.py`` and ``mmswav.apis``."""
    transforms = []
    if resize:
        transforms.append(dict(type='ResizeEdge', scale=resize, edge='short', backend='pillow'))
    if crop:
        transforms.append(dict(type='CenterCrop', crop_size=crop))
    return transforms


def _view_size(transforms: Any) -> Optional[int]:
    """The output size of the first crop transform in ``transforms`` (nested lists too)."""
    for t in transforms or ():
        if isinstance(t, (list, tuple)):
            size = _view_size(t)
        elif isinstance(t, dict) and t.get('type') == 'MultiView':
            size = _view_size(t.get('transforms'))
        elif isinstance(t, dict) and 'RandomResizedCrop' in str(t.get('type')):
            size = t.get('scale')
        elif isinstance(t, dict) and 'FastSwAVView' in str(t.get('type')):
            size = t.get('size')
        else:
            size = None
        if isinstance(size, (list, tuple)):
            size = size[0]
        if isinstance(size, int) and size > 0:
            return size
    return None


def training_size(cfg: Any) -> Optional[int]:
    """The (first, global) crop size of ``cfg``'s training pipeline, e.g. 224 for the
    published recipe and 32 for the CIFAR quick start; None when the config has none."""
    loader = cfg.get('train_dataloader', None) if cfg is not None else None
    dataset = (loader or {}).get('dataset', None) or {}
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']
    return _view_size(dataset.get('pipeline', None))
