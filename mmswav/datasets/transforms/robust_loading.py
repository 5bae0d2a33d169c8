# Copyright (c) mmswav contributors. All rights reserved.
import multiprocessing
import random
from typing import BinaryIO, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.logging import print_log
from PIL import Image, ImageOps

from mmswav.registry import TRANSFORMS

from .draft import apply_draft

_SIXTEEN_BIT_MODES = ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I')
_MAX_LISTED = 20  # unreadable files named in the log per process; the rest are only counted


def seed_sample(seeds: Sequence[int]) -> None:
    """Seed Python's, numpy's and torch's CPU random generators for one sample from two
    ``SeedSequence`` words. ``torch.default_generator`` rather than ``torch.manual_seed``:
    the latter also queues a lazy seed call (with a formatted stack trace) for every
    uninitialised accelerator backend, 6 ms per sample that was a third of a CIFAR shard
    sample's cost; the data transforms only draw from the CPU generator."""
    random.seed(int(seeds[0]))
    np.random.seed(int(seeds[0]))
    torch.default_generator.manual_seed(int(seeds[1]))


def decode_rgb(path: str, max_pixels: Optional[int] = None,
               backend_args: Optional[dict] = None,
               draft_views: Optional[Sequence[dict]] = None) -> np.ndarray:
    """Decode any Pillow-readable image to an ``[H, W, 3]`` uint8 RGB array.

    Grayscale, palette, RGBA (alpha dropped, as torchvision's ``pil_loader``), CMYK and
    16-bit images (scaled to 8 bits) all give 3 channels; the EXIF orientation is applied.
    A truncated file raises instead of giving a partly grey image. With ``draft_views`` a
    large JPEG is decoded at the reduced scale those crops can use (:mod:`.draft`).

    Raises:
        OSError: The file is missing, empty, truncated, not an image or larger than
            ``max_pixels``.
    """
    with fileio.get_local_path(path, backend_args=backend_args) as local:
        return decode_rgb_file(local, max_pixels, draft_views)


def decode_rgb_file(file: Union[str, BinaryIO], max_pixels: Optional[int] = None,
                    draft_views: Optional[Sequence[dict]] = None) -> np.ndarray:
    """:func:`decode_rgb` of a local path or an open binary file (e.g. a tar member's
    ``io.BytesIO``); raises ``OSError`` (or Pillow's error) when it is not a whole image."""
    old_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # own check below
    try:
        with Image.open(file) as img:
            if max_pixels is not None and img.width * img.height > max_pixels:
                raise OSError(f'{img.width}x{img.height} pixels is over max_pixels='
                              f'{max_pixels}')
            apply_draft(img, draft_views)  # before load: a JPEG decodes at 1/2, 1/4, 1/8
            img.load()  # truncated data raises here
            img = ImageOps.exif_transpose(img)
            if img.mode in _SIXTEEN_BIT_MODES:
                arr = np.asarray(img, dtype=np.float64) / 257.  # 65535 -> 255
                img = Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8))
            elif img.mode == 'F':
                img = Image.fromarray(np.clip(np.asarray(img), 0, 255).astype(np.uint8))
            return np.asarray(img.convert('RGB'))  # [H, W, 3]
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit


@TRANSFORMS.register_module()
class RobustLoadImageFromFile(BaseTransform):
    """``LoadImageFromFile`` that skips and counts unreadable images instead of crashing.

    A corrupt, truncated, zero-byte, missing or non-image file is logged by name (the first
    20 per process) and the transform returns None, so mmengine's dataset draws another
    sample. The count lives in shared memory, so dataloader worker processes add to it and
    :class:`SkippedImagesHook` logs it per epoch. ``skip_unreadable=False`` raises instead.

    With ``seed_per_sample`` (and :class:`SkippedImagesHook` setting seed and epoch), the
    random augmentations of a sample depend only on ``(seed, epoch, sample_idx)``: a resumed
    run, or one with another number of workers or ranks, sees the same crops.

    Required keys: ``img_path`` (and ``sample_idx`` for ``seed_per_sample``). Added keys:
    ``img``, ``img_shape``, ``ori_shape``.

    Args:
        skip_unreadable (bool): Skip and count unreadable images; False raises an error
            naming the file. Defaults to True.
        max_pixels (int, optional): Larger images count as unreadable (decompression-bomb
            guard; Pillow's own limit is replaced by this one). Defaults to 2**28.
        seed_per_sample (bool): Reseed ``random``, ``numpy`` and ``torch`` per sample once
            :meth:`set_epoch` was called. Defaults to True.
        channel_order (str): ``'bgr'`` (as mmcv's loader; the data preprocessor's
            ``to_rgb=True`` flips it) or ``'rgb'``. Defaults to ``'bgr'``.
        to_float32 (bool): Return a float32 image. Defaults to False.
        draft_views (Sequence[dict], optional): The crops made of the image
            (``dict(size=..., scale=(min, max))`` per view group, e.g. the pipeline's
            ``FastSwAVView`` configs): a JPEG whose smallest possible crop keeps at least
            ``size`` pixels per side at 1/2, 1/4 or 1/8 scale is decoded at that scale
            (Pillow's draft mode; much faster for photos of several megapixels). Defaults to
            None (full resolution).
        backend_args (dict, optional): mmengine file backend arguments. Defaults to None.
    """

    def __init__(self,
                 skip_unreadable: bool = True,
                 max_pixels: Optional[int] = 2**28,
                 seed_per_sample: bool = True,
                 channel_order: str = 'bgr',
                 to_float32: bool = False,
                 backend_args: Optional[dict] = None,
                 draft_views: Optional[Sequence[dict]] = None) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f'RobustLoadImageFromFile: channel_order must be "bgr" or '
                             f'"rgb", got {channel_order!r}')
        self.skip_unreadable = skip_unreadable
        self.max_pixels = max_pixels
        self.seed_per_sample = seed_per_sample
        self.channel_order = channel_order
        self.to_float32 = to_float32
        self.backend_args = backend_args
        self.draft_views = [dict(v) for v in draft_views] if draft_views else None
        # shared memory: written by worker processes (skips) or the main process (epoch)
        self._skipped = multiprocessing.Value('q', 0)
        self._seed = multiprocessing.Value('q', 0)
        self._epoch = multiprocessing.Value('q', -1)  # -1: not set, no reseeding
        self._listed = 0

    def __deepcopy__(self, memo: dict) -> 'RobustLoadImageFromFile':
        # shared-memory values cannot be deep-copied: a copy gets its own counters
        return type(self)(self.skip_unreadable, self.max_pixels, self.seed_per_sample,
                          self.channel_order, self.to_float32, self.backend_args,
                          self.draft_views)

    @property
    def num_skipped(self) -> int:
        """Unreadable images skipped so far, over all processes."""
        return int(self._skipped.value)

    def set_epoch(self, epoch: int, seed: int) -> None:
        """Set the epoch and base seed of the per-sample seeds (main process)."""
        self._seed.value = int(seed)
        self._epoch.value = int(epoch)

    def _reseed(self, sample_idx: int) -> None:
        seed_sample(np.random.SeedSequence(
            [self._seed.value % 2**63, self._epoch.value, int(sample_idx)]).generate_state(2))

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            img = decode_rgb(path, self.max_pixels, self.backend_args,
                             self.draft_views)  # [H, W, 3] RGB
        except Exception as error:  # noqa: BLE001  any decoder / IO failure
            message = (f'unreadable image {path}: {type(error).__name__}: {error}')
            if not self.skip_unreadable:
                raise OSError(f'{message}. Remove or fix the file, or set '
                              'skip_unreadable=True in RobustLoadImageFromFile to skip and '
                              'count such files') from error
            with self._skipped.get_lock():
                self._skipped.value += 1
            if self._listed < _MAX_LISTED:
                self._listed += 1
                more = ' (further skips are only counted)' if self._listed == _MAX_LISTED \
                    else ''
                print_log(f'RobustLoadImageFromFile: skipped {message}{more}',
                          logger='current', level=30)
            return None
        if self.seed_per_sample and self._epoch.value >= 0 and 'sample_idx' in results:
            self._reseed(results['sample_idx'])
        if self.channel_order == 'bgr':
            img = np.ascontiguousarray(img[..., ::-1])
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(skip_unreadable={self.skip_unreadable}, '
                f'max_pixels={self.max_pixels}, seed_per_sample={self.seed_per_sample}, '
                f"channel_order='{self.channel_order}')")
