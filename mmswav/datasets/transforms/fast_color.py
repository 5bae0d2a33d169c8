# Copyright (c) mmswav contributors. All rights reserved.
"""uint8 colour augmentations of SwAV on ``[H, W, 3]`` arrays with OpenCV.

The same ops as the official SwAV pipeline (torchvision ``ColorJitter`` / ``RandomGrayscale``
on Pillow images, then a Pillow ``GaussianBlur``), computed in uint8 without a float copy of
the image: brightness and contrast are one 256-entry table lookup (Pillow's ``blend`` with
black / the mean grey, truncated), saturation a weighted sum with the grey image, hue a
shift of H in HSV (0-255 hue, as Pillow's), the blur a Gaussian of standard deviation
``sigma`` (Pillow's radius). Results match torchvision within rounding (1-2 grey levels;
see ``tests/test_datasets/test_fast_multicrop.py``).
"""
from typing import Sequence

import cv2
import numpy as np

_LEVELS = np.arange(256, dtype=np.float32)  # [256]
_CODES = {  # channel order -> (to grey, to HSV, from HSV)
    'bgr': (cv2.COLOR_BGR2GRAY, cv2.COLOR_BGR2HSV_FULL, cv2.COLOR_HSV2BGR_FULL),
    'rgb': (cv2.COLOR_RGB2GRAY, cv2.COLOR_RGB2HSV_FULL, cv2.COLOR_HSV2RGB_FULL),
}


def _affine_lut(factor: float, offset: float) -> np.ndarray:
    """``clip(int(offset + factor * (i - offset)))`` for i in 0..255, Pillow's ``blend``."""
    values = np.float32(offset) + np.float32(factor) * (_LEVELS - np.float32(offset))
    return np.clip(values, 0, 255).astype(np.uint8)  # [256]; truncation as Pillow


def grey(img: np.ndarray, order: str = 'bgr') -> np.ndarray:
    """ITU-R 601-2 luma ``[H, W]`` uint8 (Pillow's ``convert('L')`` within rounding)."""
    return cv2.cvtColor(img, _CODES[order][0])


def adjust_brightness(img: np.ndarray, factor: float, order: str = 'bgr') -> np.ndarray:
    """``ImageEnhance.Brightness(img).enhance(factor)`` as one table lookup."""
    return cv2.LUT(img, _affine_lut(factor, 0.))


def adjust_contrast(img: np.ndarray, factor: float, order: str = 'bgr') -> np.ndarray:
    """``ImageEnhance.Contrast(img).enhance(factor)``: blend with the rounded mean grey."""
    mean = int(grey(img, order).mean() + 0.5)
    return cv2.LUT(img, _affine_lut(factor, mean))


def adjust_saturation(img: np.ndarray, factor: float, order: str = 'bgr') -> np.ndarray:
    """``ImageEnhance.Color(img).enhance(factor)``: blend with the grey image."""
    gray = cv2.cvtColor(grey(img, order), cv2.COLOR_GRAY2BGR)  # [H, W, 3]
    return cv2.addWeighted(img, factor, gray, 1. - factor, 0.)


def adjust_hue(img: np.ndarray, factor: float, order: str = 'bgr') -> np.ndarray:
    """torchvision's ``adjust_hue`` on Pillow: H (0-255) shifted by ``int(factor * 255)``
    modulo 256."""
    hsv = cv2.cvtColor(img, _CODES[order][1])  # [H, W, 3], H in 0..255
    lut = ((np.arange(256) + int(factor * 255)) % 256).astype(np.uint8)
    hsv[..., 0] = cv2.LUT(hsv[..., 0], lut)
    return cv2.cvtColor(hsv, _CODES[order][2])


_OPS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)


def sample_jitter(strength: Sequence[float], rng=np.random) -> tuple:
    """torchvision ``ColorJitter.get_params``: a random order of the 4 ops and their factors.

    Args:
        strength (Sequence[float]): ``(brightness, contrast, saturation, hue)``; the first
            three give factors in ``[max(0, 1 - s), 1 + s]``, hue in ``[-h, h]``.
        rng: ``numpy.random`` or a ``RandomState``. Defaults to numpy's global state.

    Returns:
        tuple: ``(order [4], factors [4])``.
    """
    b, c, s, h = strength
    factors = [rng.uniform(max(0., 1 - b), 1 + b), rng.uniform(max(0., 1 - c), 1 + c),
               rng.uniform(max(0., 1 - s), 1 + s), rng.uniform(-h, h)]
    return rng.permutation(4).tolist(), factors


def color_jitter(img: np.ndarray, order: Sequence[int], factors: Sequence[float],
                 channel_order: str = 'bgr') -> np.ndarray:
    """Apply brightness (0), contrast (1), saturation (2), hue (3) in ``order``."""
    for index in order:
        img = _OPS[index](img, factors[index], channel_order)
    return img


def to_grayscale(img: np.ndarray, order: str = 'bgr') -> np.ndarray:
    """3-channel luma, as torchvision's ``RandomGrayscale``."""
    return cv2.cvtColor(grey(img, order), cv2.COLOR_GRAY2BGR)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of standard deviation ``sigma`` (the official Pillow radius)."""
    return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, sigmaY=sigma,
                            borderType=cv2.BORDER_REPLICATE)  # Pillow extends the edges
