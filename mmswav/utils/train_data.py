# Copyright (c) mmswav contributors. All rights reserved.
"""The training data of ``tools/train.py``: ``--data PATH`` and clear errors for a missing
data root or an epoch with no full batch."""
import contextlib
import os
import os.path as osp
from typing import Any, Iterator, Optional

from mmengine.logging import print_log

from .config_checks import ConfigError

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# keys the config files read while they are parsed: overriding them later changes nothing
PARSE_TIME_KEYS = ('data_root', 'dataset_type')


def refuse_parse_time_keys(cfg_options: Optional[dict]) -> None:
    """Refuse ``--cfg-options data_root=...``: the configs use ``data_root`` while they are
    parsed, so overriding it afterwards would silently train on the old data."""
    for key in cfg_options or {}:
        if key in PARSE_TIME_KEYS:
            raise ConfigError(
                f'--cfg-options {key}=... would change nothing: the config uses {key} while '
                'it is parsed. To train on a folder of images (any layout) or a .txt list '
                f'use --data PATH; or set train_dataloader.dataset.{key}=... instead')


def use_unlabeled_images(cfg: Any, path: str) -> None:
    """Make ``cfg`` train on every image under ``path`` (or listed in the file ``path``).

    The config's dataset is replaced by :class:`~mmswav.datasets.UnlabeledImageDataset` with
    the config's own training pipeline, whose image loader becomes
    ``RobustLoadImageFromFile`` (unreadable files skipped and counted).
    """
    path = osp.abspath(osp.expanduser(path))
    if not osp.exists(path):
        raise ConfigError(f'--data {path}: no such folder or file list')
    loader = cfg.train_dataloader
    dataset = loader.dataset
    while 'pipeline' not in dataset and 'dataset' in dataset:  # RepeatDataset & co
        dataset = dataset.dataset
    if 'pipeline' not in dataset:
        raise ConfigError('--data: train_dataloader.dataset has no pipeline to reuse')
    pipeline = [dict(t, type='RobustLoadImageFromFile') if t.get('type') in (
        'LoadImageFromFile', 'mmpretrain.LoadImageFromFile') else t for t in dataset.pipeline]
    if pipeline and pipeline[0].get('type') not in ('RobustLoadImageFromFile',
                                                    'mmswav.RobustLoadImageFromFile'):
        pipeline.insert(0, dict(type='RobustLoadImageFromFile'))
    loader.dataset = dict(type='UnlabeledImageDataset', data_root=path, pipeline=pipeline)
    cfg.data_root = path
    print_log(f'--data: training on the images under {path} (UnlabeledImageDataset, '
              'recursive)', logger='current')


def check_data_root(cfg: Any) -> None:
    """Raise :class:`ConfigError` naming the key when the training data root is missing."""
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    while 'data_root' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']
    root = dataset.get('data_root', '')
    if not root or osp.exists(root):
        return
    message = (f'training data {root!r} does not exist. Set it with --data PATH (any folder '
               'of images) or --cfg-options train_dataloader.dataset.data_root=PATH')
    if not osp.isabs(root):
        message += f'; it is relative to the directory you run from ({os.getcwd()})'
        if osp.exists(osp.join(REPO_ROOT, root)):
            message += (f', but it exists in the repository: run from {REPO_ROOT} or pass '
                        f'--data {osp.join(REPO_ROOT, root)}')
    raise ConfigError(message)


@contextlib.contextmanager
def explain_empty_epoch(runner: Any) -> Iterator[None]:
    """Turn mmengine's ``epoch_length must be a positive integer, but got 0`` (fewer images
    than one batch with ``drop_last``) into an error with both numbers."""
    try:
        yield
    except AssertionError as error:
        if 'must be a positive integer, but got 0' not in str(error):
            raise
        loader = runner.train_dataloader
        total = len(loader.dataset) if hasattr(loader, 'dataset') else '?'
        num = len(loader.sampler) if hasattr(loader, 'sampler') else total
        batch = getattr(loader, 'batch_size', '?')
        per_process = f' ({num} per process)' if num != total else ''
        raise ConfigError(
            f'{total} training image(s){per_process}, fewer than the batch size {batch} '
            '(drop_last=True): an epoch would have 0 iterations. Add images, or lower the '
            'batch with '
            f'--cfg-options train_dataloader.batch_size=N (N <= {num})') from None
