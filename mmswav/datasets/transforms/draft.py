# Copyright (c) mmswav contributors. All rights reserved.
"""Decode a large JPEG at the reduced scale its crops can use (Pillow's ``Image.draft``).

A JPEG decoder can produce the image at 1/2, 1/4 or 1/8 of its size for a fraction of the
cost (it skips the high DCT frequencies). A random-resized crop of area fraction ``s`` and
aspect ratio ``a`` has sides ``sqrt(s * H * W * a)`` and ``sqrt(s * H * W / a)``, so its
shorter side is at least ``sqrt(min_scale * H * W * min(ratio[0], 1 / ratio[1]))``. While
that is still at least the output ``size`` in the reduced image, every crop is still
downscaled to ``size`` and sees the same content: only the resampling differs (the DCT's
instead of the bilinear filter), within a few grey levels.
"""
import math
from typing import Optional, Sequence

from PIL import Image


def draft_factor(height: int, width: int, views: Sequence[dict]) -> float:
    """The largest reduction of an ``height x width`` image after which every crop of every
    view (``dict(size=..., scale=(min, max), ratio=(min, max))``, FastSwAVView's arguments;
    ``ratio`` defaults to (3/4, 4/3)) still has at least ``size`` pixels per side."""
    factor = math.inf
    for view in views:
        ratio = view.get('ratio', (3. / 4., 4. / 3.))
        scale = view.get('scale', (0.14, 1.))
        shortest = math.sqrt(scale[0] * height * width * min(ratio[0], 1. / ratio[1]))
        factor = min(factor, shortest / view['size'])
    return factor


def apply_draft(img: Image.Image, views: Optional[Sequence[dict]]) -> None:
    """Ask Pillow to decode a JPEG ``img`` (opened, not yet loaded) at the reduced scale
    that :func:`draft_factor` allows; other formats and small images are unchanged."""
    if not views or img.format != 'JPEG':
        return
    factor = draft_factor(img.height, img.width, views)
    if factor >= 2:  # Pillow picks the largest of 1/2, 1/4, 1/8 that keeps >= the request
        img.draft(img.mode, (math.ceil(img.width / factor), math.ceil(img.height / factor)))
