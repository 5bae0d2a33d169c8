# Copyright (c) mmswav contributors. All rights reserved.
"""Released SwAV weights by name: the entries of ``configs/swav/metafile.yml`` that have
``Weights`` (a URL), downloaded once into the torch hub cache and checked against their
``Weights SHA256`` (a full sha256 or a prefix of it; null where no hash is published).

The official facebookresearch/swav files publish no hash; the OpenMMLab file names carry the
first 8 hex digits of their sha256 (OpenMMLab's ``publish_model.py``), which is what their
entries hold.
"""
import hashlib
import os
import os.path as osp
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlparse

import torch
from mmengine.fileio import load

from mmswav.package_files import mim_root


def _metafile() -> Path:
    """``configs/swav/metafile.yml`` of the installed package (``.mim``) or the clone."""
    return mim_root() / 'configs' / 'swav' / 'metafile.yml'


def _metafile_models(metafile: Optional[Path] = None) -> Dict[str, dict]:
    metafile = metafile or _metafile()
    if not metafile.is_file():
        raise FileNotFoundError(f'{metafile} not found: reinstall mmswav (a wheel or '
                                '`pip install .` carries configs/ in mmswav/.mim)')
    return {m['Name']: m for m in load(str(metafile))['Models']}


def list_models(with_weights: bool = True) -> List[str]:
    """Model names of the metafile.

    Args:
        with_weights (bool): Only those with released weights. Defaults to True.
    """
    return sorted(name for name, m in _metafile_models().items()
                  if m.get('Weights') or not with_weights)


def model_info(name: str) -> dict:
    """The metafile entry of ``name``, its ``Config`` as an absolute path.

    Raises:
        KeyError: ``name`` is not in the metafile; the message lists the known names.
    """
    models = _metafile_models()
    if name not in models:
        raise KeyError(f'no model named {name!r} in {_metafile()}; released weights: '
                       f'{", ".join(list_models())}')
    info = dict(models[name])
    info['Config'] = str(mim_root() / info['Config'])
    return info


def sha256sum(path: str, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: str, expected: Optional[str]) -> None:
    """Refuse ``path`` unless its sha256 starts with ``expected`` (no check when None).

    Raises:
        ValueError: Naming the file, the expected and the found hash.
    """
    if not expected or str(expected).lower() in ('null', 'unknown'):
        return
    expected = str(expected).lower()
    found = sha256sum(path)
    if not found.startswith(expected):
        raise ValueError(f'{path}: sha256 mismatch, expected {expected} but found {found}. '
                         'The download is corrupt or not the released file: delete it and '
                         'try again.')


def download_weights(url: str, sha256: Optional[str] = None, progress: bool = True) -> str:
    """Download ``url`` once into ``<torch hub dir>/checkpoints`` and verify its hash.

    Args:
        url (str): http(s) or file URL of the checkpoint.
        sha256 (str, optional): Expected sha256 or a prefix of it; None skips the check.
            Defaults to None.
        progress (bool): Show a progress bar while downloading. Defaults to True.

    Returns:
        str: The local path in the cache.
    """
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, osp.basename(urlparse(url).path))
    if not osp.isfile(path):
        torch.hub.download_url_to_file(url, path, progress=progress)
    verify_sha256(path, sha256)
    return path


def pretrained_weights(name: str) -> str:
    """The verified local file of the released weights of model ``name``."""
    info = model_info(name)
    if not info.get('Weights'):
        raise ValueError(f'{name} has no released weights; models with weights: '
                         f'{", ".join(list_models())}')
    return download_weights(info['Weights'], info.get('Weights SHA256'))
