# Copyright (c) mmswav contributors. All rights reserved.
"""One batch of a config's training data, without building its dataloader (for
``--numerics auto``, :mod:`.numerics_probe`)."""
import copy
import itertools
import os
import os.path as osp
from typing import Any, List

FOLDER_DATASETS = ('CustomDataset', 'mmpretrain.CustomDataset', 'UnlabeledImageDataset',
                   'mmswav.UnlabeledImageDataset')


def first_images(root: str, count: int) -> List[str]:
    """The first ``count`` image paths of a folder (sorted walk, stops early) or a list."""
    from mmswav.datasets.unlabeled_images import IMG_EXTENSIONS, read_image_list
    if osp.isfile(root):
        return read_image_list(root)[:count]
    found: List[str] = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        found += [osp.join(folder, f) for f in sorted(files)
                  if not f.startswith('.') and f.lower().endswith(IMG_EXTENSIONS)]
        if len(found) >= count:
            break
    return found[:count]


def probe_samples(cfg: Any, count: int) -> List[dict]:
    """``count`` samples of the training data through the training pipeline.

    A folder or list dataset (without ``ann_file``) is not built: its first ``count``
    images are read directly (the dataset's own scan of a large folder took 20 s on a busy
    2-core machine, and the Runner scans it again). Others are built: their first samples.
    """
    from mmengine.dataset import Compose

    from mmswav.registry import DATASETS
    ds_cfg = cfg.train_dataloader.dataset
    while 'pipeline' not in ds_cfg and 'dataset' in ds_cfg:  # RepeatDataset & co
        ds_cfg = ds_cfg.dataset
    prefix = ds_cfg.get('data_prefix', '') or ''
    prefix = prefix.get('img_path', '') if isinstance(prefix, dict) else prefix
    root = osp.join(ds_cfg.get('data_root', '') or '', prefix)
    if ds_cfg.get('type') in FOLDER_DATASETS and not ds_cfg.get('ann_file') and osp.exists(
            root):
        pipeline = Compose(copy.deepcopy(ds_cfg.get('pipeline', [])))
        samples = [pipeline(dict(img_path=p, sample_idx=i))
                   for i, p in enumerate(first_images(root, count))]
        return [s for s in samples if s is not None]  # unreadable files are skipped
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    if hasattr(dataset, '__getitem__') and hasattr(dataset, '__len__'):
        return [dataset[i % len(dataset)] for i in range(count)]
    return list(itertools.islice(iter(dataset), count))  # an IterableDataset (shards)


def collate(cfg: Any, samples: List[dict]) -> dict:
    """The training dataloader's ``collate_fn`` (mmengine's ``pseudo_collate`` by default)."""
    from mmengine.registry import FUNCTIONS
    collate_cfg = dict(cfg.train_dataloader.get('collate_fn', None) or
                       dict(type='pseudo_collate'))
    fn = collate_cfg.pop('type')
    fn = FUNCTIONS.get(fn) if isinstance(fn, str) else fn
    return fn(samples, **collate_cfg)
