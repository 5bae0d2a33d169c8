# Copyright (c) mmswav contributors. All rights reserved.
"""Where mmswav's configs, tools and model index are, and telling mmengine about them.

An installed mmswav (a wheel, ``pip install .``) carries the repository's ``configs/``,
``tools/`` and ``model-index.yml`` under ``mmswav/.mim/`` (written by ``setup.py`` at build
time, the layout of OpenMMLab packages); an editable install has symlinks there; a clone used
through ``PYTHONPATH`` has them at its root.

:func:`register_config_package`, run on ``import mmswav``, lets mmengine resolve
``_base_ = 'mmswav::swav/...'`` and ``from mmswav.configs... import *``: mmengine 0.10.7 only
resolves packages listed in ``mmengine.config.utils.MODULE2PACKAGE``. mmengine parses
``_base_`` before it imports anything a config names, so a launcher that calls
``Config.fromfile`` before importing mmswav (mmdet's and mmseg's ``tools/train.py``) needs
``python -m mmswav.launch`` (docs/own_project.md).
"""
import functools
from pathlib import Path
from typing import Callable

PACKAGE = 'mmswav'
PACKAGE_DIR = Path(__file__).resolve().parent
MIM_DIR = PACKAGE_DIR / '.mim'


def mim_root() -> Path:
    """The folder that holds ``configs/``, ``tools/`` and ``model-index.yml``.

    Returns:
        Path: ``<package>/.mim`` of an installed (or editable) mmswav, else the root of the
        clone the imported package lives in.

    Raises:
        FileNotFoundError: Neither has them (a broken install), with what to do.
    """
    for root in (MIM_DIR, PACKAGE_DIR.parent):
        if (root / 'model-index.yml').is_file() and (root / 'configs').is_dir():
            return root
    raise FileNotFoundError(
        f'mmswav at {PACKAGE_DIR} has no configs: neither {MIM_DIR} nor a clone around it '
        'holds configs/ and model-index.yml. Reinstall mmswav from a wheel or with '
        '`pip install .` (or `pip install -e .` in a clone).')


def _own_installed_path(original: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap mmengine's ``get_installed_path`` so that, for mmswav, it names the folder of the
    imported package: configs come from the same install as the code. mmengine asks the
    distribution's location instead, which for an editable install (PEP 660) is
    ``site-packages/mmswav``, a folder that does not exist. Every other package keeps
    mmengine's answer."""
    if getattr(original, '_mmswav_wrapped', False):
        return original

    @functools.wraps(original)
    def get_installed_path(package: str) -> str:
        return str(PACKAGE_DIR) if package == PACKAGE else original(package)

    get_installed_path._mmswav_wrapped = True
    return get_installed_path


def register_config_package() -> None:
    """Make ``mmswav::`` configs and ``mmswav.configs`` base modules resolvable by mmengine:
    list mmswav in ``MODULE2PACKAGE`` and point config look-ups at the imported package.
    Idempotent."""
    from mmengine.config import config as config_module
    from mmengine.config import utils as config_utils
    config_utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    config_module.get_installed_path = _own_installed_path(config_module.get_installed_path)



def tool_path(relative: str) -> str:
    """How to name one of mmswav's tools in a command printed for the user.

    Args:
        relative (str): The tool's path in the repository, e.g. ``'tools/benchmarks/knn.py'``.

    Returns:
        str: ``relative`` when the current folder holds it (a clone, run from its root), else
        the tool's absolute path in the installed package (``<package>/.mim/tools/...``), else
        ``relative`` unchanged.
    """
    if Path(relative).is_file():
        return relative
    try:
        installed = mim_root() / relative
    except FileNotFoundError:
        return relative
    return str(installed) if installed.is_file() else relative
