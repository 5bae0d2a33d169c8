# Copyright (c) mmswav contributors. All rights reserved.
from typing import Any

from mmengine.logging import print_log


def replace_sync_bn(cfg: Any, to: str = 'BN') -> int:
    """Replace every ``SyncBN`` / ``MMSyncBN`` norm config in ``cfg`` by ``to``, in place.

    SyncBN needs a GPU process group. This is the explicit switch for CPU runs (tests, 2 CPU
    processes with gloo, laptops); ``tools/train.py --sync-bn-to-bn`` calls it and logs how
    many layers changed. A 1-D norm (``BN1d`` in a neck) keeps its dimension.

    Args:
        cfg: A config, dict or list to rewrite in place.
        to (str): The replacement norm type. Defaults to ``'BN'``.

    Returns:
        int: How many norm configs were replaced.
    """
    count = 0
    if isinstance(cfg, dict):
        if cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg['type'] = to
            count += 1
        for value in cfg.values():
            count += replace_sync_bn(value, to)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            count += replace_sync_bn(value, to)
    return count


def replace_sync_bn_logged(cfg: Any, to: str = 'BN') -> int:
    """:func:`replace_sync_bn` that logs what it did (never silently)."""
    count = replace_sync_bn(cfg, to)
    print_log(f'--sync-bn-to-bn: replaced {count} SyncBN norm config(s) by {to}',
              logger='current')
    return count
