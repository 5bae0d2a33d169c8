# Copyright (c) mmswav contributors. All rights reserved.
"""The wheel, built once per session from a copy of the repository, and its scratch install
(``pip install --no-deps --target``: first on ``PYTHONPATH``, so the editable install of the
environment cannot shadow it)."""
from pathlib import Path

import pytest

from .scratch_install import Outside, build_wheel, copy_source, install_target


@pytest.fixture(scope='session')
def wheel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('wheel')
    return build_wheel(copy_source(root / 'src'), root / 'dist')


@pytest.fixture(scope='session')
def outside(wheel, tmp_path_factory) -> Outside:
    """Python against the installed wheel, checked to import mmswav from it."""
    site = install_target(wheel, tmp_path_factory.mktemp('site'))
    runner = Outside(site)
    cwd = tmp_path_factory.mktemp('elsewhere')
    out = runner.run(['-c', 'import mmswav; print(mmswav.__file__)'], cwd)
    assert out.stdout.strip() == str(site / 'mmswav' / '__init__.py'), out.stdout
    return runner
