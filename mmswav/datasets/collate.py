# Copyright (c) mmswav contributors. All rights reserved.
"""``collate_fn=dict(type='mmswav.default_collate')``: mmengine's ``default_collate`` for
configs that are inherited from another package.

mmengine 0.10.7 adds ``_scope_='mmswav'`` to every top-level dict with a ``type`` of a base
config named ``mmswav::...``, and its ``Runner.build_dataloader`` passes the keys of
``collate_fn`` other than ``type`` to the function: mmengine's own ``default_collate`` then
fails with ``unexpected keyword argument '_scope_'`` (mmpretrain's configs inherited with
``mmpretrain::`` fail the same way).
"""
from typing import Any, Optional, Sequence

from mmengine.dataset import default_collate as mmengine_default_collate

from mmswav.registry import FUNCTIONS


@FUNCTIONS.register_module(name='default_collate')
def default_collate(data_batch: Sequence, _scope_: Optional[str] = None) -> Any:
    """mmengine's ``default_collate`` (stack the samples' tensors), ignoring ``_scope_``.

    Args:
        data_batch (Sequence): The samples of a batch.
        _scope_ (str, optional): The registry scope mmengine's config adds; unused.
            Defaults to None.
    """
    return mmengine_default_collate(data_batch)
