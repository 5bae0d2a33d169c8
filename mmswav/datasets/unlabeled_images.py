# Copyright (c) mmswav contributors. All rights reserved.
"""Every image under a folder (any layout, recursively) or in a file list, without labels."""
import os
import os.path as osp
import re
from typing import List, Sequence

from mmengine.dataset import BaseDataset

from mmswav.registry import DATASETS

# Pillow-readable formats (mmpretrain's ImageNet list plus WebP and TIFF)
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def find_images(root: str, extensions: Sequence[str] = IMG_EXTENSIONS) -> List[str]:
    """Sorted paths of the files under ``root`` (recursively, symlinks followed) whose
    extension is in ``extensions`` (case-insensitive); hidden files and folders are skipped."""
    extensions = tuple(e.lower() for e in extensions)
    found = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        found.extend(osp.join(folder, f) for f in sorted(files)
                     if not f.startswith('.') and f.lower().endswith(extensions))
    return found


def read_image_list(list_file: str) -> List[str]:
    """Paths of a text file, one per line (relative ones to the file's folder); blank lines
    and ``#`` comments are skipped; a trailing integer label (``path 3``) is ignored."""
    base = osp.dirname(osp.abspath(list_file))
    paths = []
    with open(list_file) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            path = re.sub(r'\s+-?\d+$', '', line)  # ImageNet-style 'path label' lists
            paths.append(path if osp.isabs(path) else osp.join(base, path))
    return paths


@DATASETS.register_module()
class UnlabeledImageDataset(BaseDataset):
    """The images of a folder in any layout (flat, nested, ImageFolder), or of a file list.

    SwAV needs no labels: every image file under ``data_root`` is a sample, found
    recursively. ``data_root`` may also be a ``.txt`` file list (one path per line, relative
    to the list's folder). Pair it with ``RobustLoadImageFromFile``, which skips and counts
    unreadable files. ``tools/train.py CONFIG --data PATH`` puts this dataset, with the
    config's own pipeline, into any pretraining config.

    Args:
        data_root (str): Image folder or ``.txt`` file list.
        pipeline (list): Data transforms. Defaults to ``()``.
        extensions (Sequence[str]): Image file extensions. Defaults to
            :data:`IMG_EXTENSIONS`.
        **kwargs: Other arguments of mmengine's ``BaseDataset`` (``indices``,
            ``serialize_data``, ``lazy_init``, ``max_refetch``...).
    """

    def __init__(self, data_root: str, pipeline: Sequence = (),
                 extensions: Sequence[str] = IMG_EXTENSIONS, **kwargs) -> None:
        self.extensions = tuple(extensions)
        super().__init__(ann_file='', data_root=data_root, pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        if not root or not osp.exists(root):
            raise FileNotFoundError(
                f'UnlabeledImageDataset: {root!r} does not exist (cwd {os.getcwd()}); give '
                'an image folder or a .txt list of images with tools/train.py --data PATH or '
                'train_dataloader.dataset.data_root=PATH')
        if osp.isfile(root):
            paths = read_image_list(root)
        else:
            paths = find_images(root, self.extensions)
        if not paths:
            raise ValueError(f'UnlabeledImageDataset: no image under {root} (searched '
                             f'recursively for {", ".join(self.extensions)})')
        return [dict(img_path=p) for p in paths]
