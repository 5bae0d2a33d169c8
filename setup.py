# Copyright (c) mmswav contributors. All rights reserved.
"""Build hook only (the metadata is in pyproject.toml): put the repository's ``configs/``,
``tools/`` and ``model-index.yml`` into the package as ``mmswav/.mim/``, the layout of
OpenMMLab's ``add_mim_extension``, so that an installed mmswav serves ``mmswav::`` configs
(mmengine looks them up under ``<package>/.mim/configs``), ``mim`` and model names.

A wheel (``pip wheel .``, ``python -m build``) gets copies made at build time from the files
of the tree (or of the sdist, which MANIFEST.in fills); an editable install
(``pip install -e .``) gets ``mmswav/.mim/<name>`` symlinks to them in the source tree
(copies where symlinks fail), ignored by git.
"""
import os
import os.path as osp
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')
IGNORE = shutil.ignore_patterns('__pycache__', '*.pyc', '.*')


def _copy(src: str, dst: str) -> None:
    if osp.isdir(src):
        shutil.copytree(src, dst, ignore=IGNORE)
    else:
        shutil.copyfile(src, dst)


def add_mim_extension(mim_dir: str, link: bool) -> None:
    """Fill ``mim_dir`` with :data:`MIM_FILES` from the repository root.

    Args:
        mim_dir (str): The package's ``.mim`` folder, emptied first.
        link (bool): Symlink each entry (editable install); copy where that fails.
    """
    if osp.islink(mim_dir) or osp.isfile(mim_dir):
        os.remove(mim_dir)
    elif osp.isdir(mim_dir):
        shutil.rmtree(mim_dir)
    os.makedirs(mim_dir)
    for name in MIM_FILES:
        src, dst = osp.join(ROOT, name), osp.join(mim_dir, name)
        if not osp.exists(src):
            raise FileNotFoundError(f'{src} is missing: the mmswav package needs it in '
                                    '.mim/ (MANIFEST.in lists it for the sdist)')
        if link:
            try:
                os.symlink(osp.relpath(src, mim_dir), dst)
                continue
            except OSError:  # e.g. Windows without symlink rights
                pass
        _copy(src, dst)


class BuildPyWithMim(build_py):
    """``build_py`` that also writes ``mmswav/.mim`` (a copy into the build folder for a
    wheel; symlinks in the source tree for an editable install)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            add_mim_extension(osp.join(ROOT, 'mmswav', '.mim'), link=True)
        else:
            add_mim_extension(osp.join(self.build_lib, 'mmswav', '.mim'), link=False)


setup(cmdclass={'build_py': BuildPyWithMim})
