# Copyright (c) mmswav contributors. All rights reserved.
"""Check that the optional transfer stack (mmdet / mmseg on mmcv with its compiled ops) is
installed before a transfer tool starts, with the one command that installs it.

The core install (``bash tools/install.sh``) uses mmcv-lite: the same ``mmcv`` package without
the C++ ops, which pretraining, evaluation and the converters never call, but mmdet's and
mmseg's models do (RoIAlign, NMS, ...).
"""
import importlib.util
from typing import List

INSTALL_TRANSFER = 'bash tools/install.sh --transfer'
_CODEBASES = {'mmdet': 'mmdet 3.3.0', 'mmseg': 'mmsegmentation 1.2.2'}


def has_mmcv_ops() -> bool:
    """Whether mmcv's compiled ops (``mmcv._ext``) are importable (False with mmcv-lite)."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ModuleNotFoundError:  # no mmcv at all
        return False


def missing_transfer_stack(codebase: str) -> List[str]:
    """What ``codebase`` (``'mmdet'`` or ``'mmseg'``) lacks: empty when it can run.

    Args:
        codebase (str): ``'mmdet'`` or ``'mmseg'``.
    """
    if codebase not in _CODEBASES:
        raise ValueError(f'codebase must be one of {tuple(_CODEBASES)}, got {codebase!r}')
    missing = []
    if not has_mmcv_ops():
        missing.append('mmcv 2.1.0 with its compiled ops (mmcv-lite has none)')
    if importlib.util.find_spec(codebase) is None:
        missing.append(_CODEBASES[codebase])
    return missing


def require_transfer_stack(codebase: str) -> None:
    """Exit with the install command when ``codebase`` cannot run here.

    Args:
        codebase (str): ``'mmdet'`` or ``'mmseg'``.

    Raises:
        SystemExit: With a message naming what is missing and ``INSTALL_TRANSFER``.
    """
    missing = missing_transfer_stack(codebase)
    if missing:
        raise SystemExit(f'{codebase} transfer needs ' + ' and '.join(missing) +
                         f', which the core install leaves out. Install them with:\n'
                         f'    {INSTALL_TRANSFER}')
