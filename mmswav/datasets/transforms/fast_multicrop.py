# Copyright (c) mmswav contributors. All rights reserved.
import math
from typing import Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image

from mmswav.registry import TRANSFORMS

from .fast_color import color_jitter, gaussian_blur, sample_jitter, to_grayscale


def sample_crop(height: int, width: int, scale: Sequence[float], ratio: Sequence[float],
                rng=np.random) -> Tuple[int, int, int, int]:
    """torchvision ``RandomResizedCrop.get_params``: ``(top, left, h, w)`` of a crop whose
    area is ``U(scale)`` of the image and aspect ratio log-uniform in ``ratio``; 10 tries,
    then the centre crop clamped to ``ratio``."""
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(*log_ratio))
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            return int(rng.randint(0, height - h + 1)), int(rng.randint(0, width - w + 1)), h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        h, w = height, width
    return (height - h) // 2, (width - w) // 2, h, w


@TRANSFORMS.register_module()
class FastSwAVView(BaseTransform):
    """One SwAV view in uint8: crop, resize, colour, blur, flip; no float copy of the image.

    The published SwAV view (official ``multicropdataset.py``): ``RandomResizedCrop(size,
    scale)``, horizontal flip p=0.5, ``ColorJitter(0.8, 0.8, 0.8, 0.2)`` p=0.8, grayscale
    p=0.2, Gaussian blur (radius U(0.1, 2.0)) p=0.5, in that order. Faster than the
    equivalent mmpretrain transforms because: only the crop box is copied (then resized
    with Pillow's antialiased bilinear, as torchvision), every colour op runs on the small
    resized crop in uint8 with OpenCV (table lookups for brightness, contrast and hue, see
    :mod:`.fast_color`), the channel order is kept (no RGB/BGR copies) and the flip is one
    final copy. Use it as the
    pipeline of each :class:`MultiView` group. Randomness comes from ``numpy.random``.

    Required keys: ``img`` (``[H, W, 3]`` uint8). Modified keys: ``img`` (``[size, size, 3]``
    uint8), ``img_shape``.

    Args:
        size (int): Output side. Defaults to 224.
        scale (Sequence[float]): Crop area range as a fraction of the image.
            Defaults to (0.14, 1.0).
        ratio (Sequence[float]): Aspect ratio range. Defaults to (3/4, 4/3).
        flip_prob (float): Horizontal flip probability. Defaults to 0.5.
        jitter (Sequence[float]): ColorJitter ``(brightness, contrast, saturation, hue)``.
            Defaults to (0.8, 0.8, 0.8, 0.2).
        jitter_prob (float): Probability of the colour jitter. Defaults to 0.8.
        gray_prob (float): Probability of the grayscale conversion. Defaults to 0.2.
        blur_prob (float): Probability of the Gaussian blur. Defaults to 0.5.
        blur_sigma (Sequence[float]): Blur radius range. Defaults to (0.1, 2.0).
        channel_order (str): Channel order of input and output, ``'bgr'`` (mmcv's loader;
            the data preprocessor's ``to_rgb=True`` flips it) or ``'rgb'``.
            Defaults to ``'bgr'``.
    """

    def __init__(self,
                 size: int = 224,
                 scale: Sequence[float] = (0.14, 1.),
                 ratio: Sequence[float] = (3. / 4., 4. / 3.),
                 flip_prob: float = 0.5,
                 jitter: Sequence[float] = (0.8, 0.8, 0.8, 0.2),
                 jitter_prob: float = 0.8,
                 gray_prob: float = 0.2,
                 blur_prob: float = 0.5,
                 blur_sigma: Sequence[float] = (0.1, 2.0),
                 channel_order: str = 'bgr') -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"FastSwAVView: channel_order must be 'bgr' or 'rgb', got "
                             f'{channel_order!r}')
        if not (0 < scale[0] <= scale[1] <= 1):
            raise ValueError(f'FastSwAVView: scale must satisfy 0 < min <= max <= 1, got {scale}')
        self.size = int(size)
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.flip_prob, self.jitter_prob = flip_prob, jitter_prob
        self.jitter = tuple(jitter)
        self.gray_prob, self.blur_prob = gray_prob, blur_prob
        self.blur_sigma = tuple(blur_sigma)
        self.channel_order = channel_order

    def transform(self, results: dict) -> Optional[dict]:
        img = results['img']
        if img.ndim == 2:
            img = np.repeat(img[:, :, None], 3, axis=2)
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f'FastSwAVView needs a [H, W, 3] uint8 image, got '
                             f'{img.shape} {img.dtype} from {results.get("img_path")}; '
                             'load it with to_float32=False')
        top, left, h, w = sample_crop(img.shape[0], img.shape[1], self.scale, self.ratio)
        crop = Image.fromarray(np.ascontiguousarray(img[top:top + h, left:left + w]))
        # Pillow's antialiased bilinear resize (torchvision's); channel order is irrelevant
        view = np.asarray(crop.resize((self.size, self.size), Image.BILINEAR))
        flip = np.random.rand() < self.flip_prob
        if np.random.rand() < self.jitter_prob:
            view = color_jitter(view, *sample_jitter(self.jitter), self.channel_order)
        if np.random.rand() < self.gray_prob:
            view = to_grayscale(view, self.channel_order)
        if np.random.rand() < self.blur_prob:
            view = gaussian_blur(view, np.random.uniform(*self.blur_sigma))
        # the flip commutes with the ops above: one final copy
        view = np.ascontiguousarray(view[:, ::-1]) if flip else view
        results['img'] = view if view.flags.writeable else view.copy()
        results['img_shape'] = (self.size, self.size)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, scale={self.scale}, '
                f'ratio={self.ratio}, flip_prob={self.flip_prob}, jitter={self.jitter}, '
                f'jitter_prob={self.jitter_prob}, gray_prob={self.gray_prob}, '
                f'blur_prob={self.blur_prob}, blur_sigma={self.blur_sigma})')
