# Copyright (c) mmswav contributors. All rights reserved.
"""Run a training script with mmswav imported first, so configs that inherit ``mmswav::``
load in launchers that parse the config before importing anything (mmdet's and mmseg's
``tools/train.py``: ``Config.fromfile`` resolves ``_base_`` before ``custom_imports``)::

    python -m mmswav.launch SCRIPT [ARGS...]

``SCRIPT`` is a path, or ``PKG::PATH`` for a file in an installed OpenMMLab package's
``.mim`` folder: ``mmdet::tools/train.py``, ``mmseg::tools/train.py``, and mmswav's own
``mmswav::tools/train.py``. The script runs as ``python SCRIPT ARGS...`` would run it
(``__main__``, ``sys.argv``, its folder first on ``sys.path``).
"""
import importlib.util
import os.path as osp
import runpy
import sys
from typing import List, Optional

import mmswav  # noqa: F401  (registers `mmswav::` with mmengine)

USAGE = ('usage: python -m mmswav.launch SCRIPT [ARGS...]\n'
         '  SCRIPT: a path, or PKG::PATH inside an installed package\'s .mim folder, e.g. '
         'mmdet::tools/train.py, mmseg::tools/train.py, mmswav::tools/train.py')


def resolve_script(script: str) -> str:
    """The file of ``script``: a path, or ``PKG::PATH`` under ``<PKG>/.mim/``.

    Raises:
        FileNotFoundError: No such file, naming where it was looked for.
        ModuleNotFoundError: ``PKG`` is not installed.
    """
    if '::' not in script:
        if not osp.isfile(script):
            raise FileNotFoundError(f'script {script} not found')
        return osp.abspath(script)
    package, _, relative = script.partition('::')
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f'{script}: package {package!r} is not installed')
    if package == 'mmswav':
        from mmswav.package_files import mim_root
        root = str(mim_root())
    else:
        root = osp.join(list(spec.submodule_search_locations)[0], '.mim')
    path = osp.join(root, relative)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{script}: {path} not found (an editable or source install '
                                f'of {package} may have no .mim folder; give the path)')
    return path


def main(argv: Optional[List[str]] = None) -> None:
    """Run ``argv[0]`` (resolved by :func:`resolve_script`) with ``argv[1:]`` as its
    arguments. Defaults to ``sys.argv[1:]``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE)
        raise SystemExit(0 if argv else 2)
    try:
        script = resolve_script(argv[0])
    except (FileNotFoundError, ModuleNotFoundError) as error:
        raise SystemExit(f'error: {error}') from None
    sys.argv = [script, *argv[1:]]
    sys.path.insert(0, osp.dirname(script))
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
