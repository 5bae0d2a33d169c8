# Copyright (c) mmswav contributors. All rights reserved.
"""Shared fixtures: real data from ``../shared/data`` (skipped with a reason when absent),
tiny image folders, and the registries."""
import fcntl
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get('MMSWAV_SHARED_DATA', REPO.parent / 'shared' / 'data'))
DATA_CACHE = REPO / 'data'  # git-ignored


@pytest.fixture(scope='session', autouse=True)
def _registered():
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=True)


def unpack_shared(archive: str, top: str, into: str = '') -> Path:
    """Unpack ``../shared/data/<archive>`` into ``data/<into>`` once; return ``data/<top>``.

    Skips the calling test, with the reason printed by ``pytest -rs``, when the archive is
    absent (a user's fresh clone without ``../shared``).
    """
    source = SHARED_DATA / archive
    target = DATA_CACHE / top
    if target.exists():
        return target
    if not source.is_file():
        pytest.skip(f'real data {source} is absent (set MMSWAV_SHARED_DATA or see '
                    'README "Data"); this test needs it')
    DATA_CACHE.mkdir(exist_ok=True)
    with open(DATA_CACHE / '.unpack.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            with tarfile.open(source) as tar:
                tar.extractall(DATA_CACHE / into, filter='data')
    return target


@pytest.fixture(scope='session')
def cifar10_root() -> Path:
    """``data/cifar10-jpg`` with ``train/<class>/*.jpg`` and ``test/<class>/*.jpg``."""
    return unpack_shared('cifar10-jpg.tar.gz', 'cifar10-jpg')


@pytest.fixture(scope='session')
def raccoon_root() -> Path:
    """``data/raccoon`` with ``images/*.jpg`` and VOC ``annotations/*.xml``."""
    return unpack_shared('raccoon-voc.tar.gz', 'raccoon')


@pytest.fixture(scope='session')
def labelme_root() -> Path:
    """``data/labelme`` with ``semantic_segmentation/``, ``instance_segmentation/`` and
    ``bbox_detection/`` (see ``../shared/data/README.md``)."""
    return unpack_shared('labelme-voc-coco-examples.tar.gz', 'labelme', into='labelme')


def make_image_folder(root: Path, num_classes: int = 2, per_class: int = 8,
                      size: int = 40, seed: int = 0, bias: int = 80) -> Path:
    """Write a tiny ImageFolder of random-noise JPEGs (class = colour bias of ``bias`` grey
    levels: 80 separates the classes for any model, ~10 leaves a classifier errors)."""
    rng = np.random.default_rng(seed)
    for c in range(num_classes):
        folder = root / f'class{c}'
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            img[..., c % 3] = np.clip(img[..., c % 3].astype(int) + bias, 0, 255)
            Image.fromarray(img).save(folder / f'{i:04d}.jpg')
    return root


@pytest.fixture
def image_folder(tmp_path) -> Path:
    return make_image_folder(tmp_path / 'images')
