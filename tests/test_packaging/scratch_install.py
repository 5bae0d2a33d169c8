# Copyright (c) mmswav contributors. All rights reserved.
"""Build mmswav's wheel from a copy of the repository, install it where the editable install
cannot shadow it, and run Python from a folder outside the repository against it."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
# what a wheel must never be built from: data, runs, caches, earlier builds, the editable links
SKIP = shutil.ignore_patterns('.git', 'data', 'work_dirs', 'build', 'dist', '*.egg-info',
                              '.venv', '__pycache__', '.mim', '.pytest_cache', '.ruff_cache')


def copy_source(dst: Path) -> Path:
    """A copy of the repository without data, runs and build products."""
    shutil.copytree(REPO, dst, ignore=SKIP, symlinks=True)
    return dst


def build_wheel(source: Path, out: Path) -> Path:
    """``pip wheel --no-deps --no-build-isolation`` (offline: the setuptools and wheel of this
    environment run setup.py); returns the wheel."""
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-index',
                    '--no-build-isolation', '-w', str(out), str(source)],
                   check=True, capture_output=True, text=True, timeout=300)
    wheels = sorted(out.glob('mmswav-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def install_target(wheel: Path, target: Path) -> Path:
    """``pip install --no-deps --target``: a folder that goes first on ``PYTHONPATH``."""
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index',
                    '--target', str(target), str(wheel)],
                   check=True, capture_output=True, text=True, timeout=300)
    return target


def wheel_names(wheel: Path) -> List[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


class Outside:
    """Runs ``python ARGS`` in ``cwd`` (outside the repository) with only the scratch install
    (and ``extra_path``, e.g. openmim) on ``PYTHONPATH``, one thread."""

    def __init__(self, site: Path, extra_path: Sequence[str] = ()):
        self.site = site
        self.path = os.pathsep.join([str(site), *extra_path])

    def run(self, args: Sequence[str], cwd: Path, timeout: int = 300,
            check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=self.path, OMP_NUM_THREADS='1',
                   MMSWAV_TENSORBOARD='0', PYTHONWARNINGS='ignore')
        out = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise AssertionError(f'python {" ".join(map(str, args))[:300]} failed '
                                 f'({out.returncode}):\n{out.stdout[-3000:]}\n'
                                 f'{out.stderr[-5000:]}')
        return out


def write_images(folder: Path, count: int, size: int = 96, seed: int = 0) -> Path:
    """``count`` smooth random RGB JPEGs (gradients plus noise) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 1, size)
    for i in range(count):
        base = np.stack([np.outer(ramp, ramp), np.outer(ramp[::-1], ramp),
                         np.outer(ramp, ramp[::-1])], -1) * rng.uniform(60, 200, 3)
        noise = rng.normal(0, 20, (size, size, 3))
        Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).save(
            folder / f'img{i:02d}.jpg')
    return folder


def find_outside(package: str) -> Optional[str]:
    """The ``sys.path`` entry that holds ``package`` when it is not in this environment's
    site-packages (a scratch install of openmim), else None."""
    import importlib.util
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(list(spec.submodule_search_locations)[0]).parent)
