# Copyright (c) mmswav contributors. All rights reserved.
from typing import Any, Callable

from mmengine.logging import print_log


def rewrite_dicts(cfg: Any, rewrite: Callable[[dict], bool]) -> int:
    """Call ``rewrite`` on every dict nested in ``cfg`` (dicts, lists, tuples), in place.

    Args:
        cfg: A config, dict or list.
        rewrite (Callable[[dict], bool]): Changes one dict in place; True when it did.

    Returns:
        int: How many dicts ``rewrite`` changed.
    """
    if isinstance(cfg, dict):
        return int(rewrite(cfg)) + sum(rewrite_dicts(v, rewrite) for v in cfg.values())
    if isinstance(cfg, (list, tuple)):
        return sum(rewrite_dicts(v, rewrite) for v in cfg)
    return 0


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
    def to_bn(norm: dict) -> bool:
        if norm.get('type') not in ('SyncBN', 'MMSyncBN'):
            return False
        norm['type'] = to
        return True
    return rewrite_dicts(cfg, to_bn)


def replace_sync_bn_logged(cfg: Any, to: str = 'BN') -> int:
    """:func:`replace_sync_bn` that logs what it did (never silently)."""
    count = replace_sync_bn(cfg, to)
    print_log(f'--sync-bn-to-bn: replaced {count} SyncBN norm config(s) by {to}',
              logger='current')
    return count
