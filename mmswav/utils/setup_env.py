# Copyright (c) mmswav contributors. All rights reserved.
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register mmswav's and mmpretrain's modules and set the default scope to ``mmswav``.

    A child registry never runs its parent's lazy ``locations``, so mmpretrain's datasets,
    engine and models are imported here too.

    Args:
        init_default_scope (bool): Make ``mmswav`` the current default scope (a new
            instance named by time when another scope is current). Defaults to True.
    """
    import mmpretrain.datasets  # noqa: F401
    import mmpretrain.engine  # noqa: F401
    import mmpretrain.evaluation  # noqa: F401
    import mmpretrain.models  # noqa: F401
    import mmpretrain.visualization  # noqa: F401

    import mmswav.datasets  # noqa: F401
    import mmswav.engine  # noqa: F401
    import mmswav.evaluation  # noqa: F401
    import mmswav.models  # noqa: F401
    import mmswav.visualization  # noqa: F401

    from .checkpoint import allow_mmengine_checkpoints
    allow_mmengine_checkpoints()

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmswav', scope_name='mmswav')
    elif current.scope_name != 'mmswav':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "mmswav"; '
                      '`register_all_modules` makes a new default scope "mmswav".',
                      stacklevel=2)
        name = f'mmswav-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='mmswav')
