# Copyright (c) mmswav contributors. All rights reserved.
"""The reliability hooks ``tools/train.py`` adds to every run (``--no-safety-hooks`` skips)."""
from typing import Any, List

from mmengine.logging import print_log

# importing them registers the hooks, whatever the package __init__ lists
from . import (  # noqa: F401
    collapse_hook,
    interrupt_hook,
    non_finite_loss_hook,
    rank_queues_hook,
    skipped_images_hook,  # noqa: F401
)

RELIABILITY_HOOKS = ('InterruptHook', 'NonFiniteLossHook', 'SwAVCollapseHook',
                     'SkippedImagesHook', 'RankQueuesHook')


def add_reliability_hooks(cfg: Any) -> List[str]:
    """Append the :data:`RELIABILITY_HOOKS` the config's ``custom_hooks`` lacks, in place.

    A hook already listed (with its own arguments) is kept as it is. ``SwAVCollapseHook``
    and ``RankQueuesHook`` are only added to models with a ``SwAVHead``
    (``model.head.type``).

    Returns:
        List[str]: The hook types added.
    """
    hooks = list(cfg.get('custom_hooks', None) or [])
    present = {h.get('type') if isinstance(h, dict) else type(h).__name__ for h in hooks}
    head = (cfg.get('model', None) or {}).get('head', None) or {}
    added = []
    for name in RELIABILITY_HOOKS:
        if name in present or (name in ('SwAVCollapseHook', 'RankQueuesHook')
                                 and head.get('type') != 'SwAVHead'):
            continue
        hooks.append(dict(type=name))
        added.append(name)
    cfg['custom_hooks'] = hooks
    if added:
        print_log(f'reliability hooks added: {", ".join(added)}', logger='current')
    return added
