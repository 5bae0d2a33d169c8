# Copyright (c) mmswav contributors. All rights reserved.
"""FastSwAVView against independent references: torchvision's functional ops and
``RandomResizedCrop.get_params`` (the official SwAV pipeline), Pillow, and the published
probabilities on seeded runs."""
import math

import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from PIL import Image, ImageFilter
from scipy import stats
from torchvision.transforms import RandomResizedCrop

from mmswav.datasets.transforms import fast_color, fast_multicrop
from mmswav.registry import TRANSFORMS

NO_AUG = dict(flip_prob=0., jitter_prob=0., gray_prob=0., blur_prob=0.)


def _photo(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    """Smooth colourful RGB image (gradients + blobs), more photo-like than noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([x / w * 255, y / h * 255, (x + y) / (h + w) * 255], axis=2)
    img += rng.normal(0, 12, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def test_views_number_order_sizes_dtype():
    transform = TRANSFORMS.build(dict(type='MultiView', num_views=[2, 6], transforms=[
        [dict(type='FastSwAVView', size=224, scale=(0.14, 1.))],
        [dict(type='FastSwAVView', size=96, scale=(0.05, 0.14))]]))
    views = transform(dict(img=_photo(300, 260)))['img']
    assert [v.shape for v in views] == [(224, 224, 3)] * 2 + [(96, 96, 3)] * 6
    assert all(v.dtype == np.uint8 and v.flags.c_contiguous for v in views)


def test_no_augmentation_is_pillow_resize_and_keeps_channel_order():
    img = _photo(90, 90)  # square: scale (1, 1) with ratio (1, 1) is the whole image
    view = TRANSFORMS.build(dict(type='FastSwAVView', size=40, scale=(1., 1.), ratio=(1., 1.),
                                 **NO_AUG))(dict(img=img))['img']
    expected = np.asarray(Image.fromarray(img).resize((40, 40), Image.BILINEAR))
    np.testing.assert_array_equal(view, expected)


@pytest.mark.parametrize('op,factor', [('brightness', 0.3), ('brightness', 1.7),
                                       ('contrast', 0.25), ('contrast', 1.8),
                                       ('saturation', 0.2), ('saturation', 1.75),
                                       ('hue', -0.17), ('hue', 0.2)])
def test_colour_ops_match_torchvision(op, factor):
    rgb = _photo()
    reference = np.asarray(getattr(TF, f'adjust_{op}')(Image.fromarray(rgb), factor))
    for order in ('rgb', 'bgr'):  # the BGR path must give the same image, channels swapped
        src = rgb if order == 'rgb' else np.ascontiguousarray(rgb[..., ::-1])
        out = getattr(fast_color, f'adjust_{op}')(src, factor, order)
        out = out if order == 'rgb' else out[..., ::-1]
        diff = np.abs(out.astype(int) - reference.astype(int))
        # rounding of the grey conversion; for hue both sides quantise H to 256 steps
        # (one step is up to ~6 grey levels on saturated colours), so compare the bulk
        assert diff.mean() < (1.5 if op == 'hue' else 0.6), (op, order, diff.mean())
        assert np.percentile(diff, 99) <= (12 if op == 'hue' else 2), (op, order)
    if op == 'hue':  # the HSV round trip is no lossier than Pillow's
        ours = np.abs(fast_color.adjust_hue(rgb, 0., 'rgb').astype(int) - rgb).mean()
        pil = np.abs(np.asarray(TF.adjust_hue(Image.fromarray(rgb), 0.)).astype(int) - rgb)
        assert ours < 1.5 * pil.mean() + 0.1


def test_grayscale_and_blur_match_reference():
    rgb = _photo()
    gray = fast_color.to_grayscale(rgb, 'rgb')
    reference = np.asarray(TF.rgb_to_grayscale(Image.fromarray(rgb), num_output_channels=3))
    assert np.abs(gray.astype(int) - reference).max() <= 1
    for sigma in (0.1, 1.0, 2.0):
        blurred = fast_color.gaussian_blur(rgb, sigma).astype(int)
        pil = np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(sigma)))
        assert np.abs(blurred - pil).mean() < 1.0, sigma  # Pillow approximates with boxes
        if sigma >= 1:
            assert np.abs(blurred - rgb).mean() > 3  # it really blurs


def test_jitter_parameters_follow_torchvision_ranges():
    rng = np.random.RandomState(0)
    samples = [fast_color.sample_jitter((0.8, 0.8, 0.8, 0.2), rng) for _ in range(2000)]
    factors = np.array([f for _, f in samples])  # [N, 4]
    assert all(sorted(order) == [0, 1, 2, 3] for order, _ in samples)
    assert factors[:, :3].min() >= 0.2 and factors[:, :3].max() <= 1.8
    assert np.abs(factors[:, 3]).max() <= 0.2
    # uniform: every decile of each range is hit about 10% of the time
    for col, (lo, hi) in enumerate([(0.2, 1.8)] * 3 + [(-0.2, 0.2)]):
        assert stats.kstest(factors[:, col], 'uniform', args=(lo, hi - lo)).pvalue > 1e-3
    first_ops = np.bincount([order[0] for order, _ in samples], minlength=4) / len(samples)
    np.testing.assert_allclose(first_ops, 0.25, atol=0.05)


@pytest.mark.parametrize('scale', [(0.14, 1.), (0.05, 0.14)])
def test_crop_distribution_matches_torchvision(scale):
    height, width, count = 375, 500, 3000
    ratio = (3. / 4., 4. / 3.)
    rng = np.random.RandomState(0)
    ours = np.array([fast_multicrop.sample_crop(height, width, scale, ratio, rng)
                     for _ in range(count)])  # [N, 4] top, left, h, w
    torch.manual_seed(0)
    image = torch.empty(3, height, width)
    theirs = np.array([RandomResizedCrop.get_params(image, list(scale), list(ratio))
                       for _ in range(count)])
    for sample in (ours, theirs):
        top, left, h, w = sample.T
        assert (top >= 0).all() and (left >= 0).all()
        assert (top + h <= height).all() and (left + w <= width).all()
    area = ours[:, 2] * ours[:, 3] / (height * width)
    slack = 2 * (height + width) / (height * width) * 2  # integer rounding of h and w
    assert area.min() >= scale[0] - slack and area.max() <= scale[1] + slack
    log_ratio = np.log(ours[:, 3] / ours[:, 2])
    assert np.abs(log_ratio).max() <= math.log(4 / 3) + 0.05
    for col in range(4):  # same distribution of every crop parameter (two-sample KS)
        assert stats.ks_2samp(ours[:, col], theirs[:, col]).pvalue > 1e-3, (scale, col)


def test_augmentation_probabilities_on_a_seeded_run(monkeypatch):
    counts = dict(jitter=0, gray=0, blur=0)

    def counting(name):
        def op(img, *args):
            counts[name] += 1
            return img
        return op
    monkeypatch.setattr(fast_multicrop, 'color_jitter', counting('jitter'))
    monkeypatch.setattr(fast_multicrop, 'to_grayscale', counting('gray'))
    monkeypatch.setattr(fast_multicrop, 'gaussian_blur', counting('blur'))
    img = _photo(24, 24)
    plain = np.asarray(Image.fromarray(img).resize((8, 8), Image.BILINEAR))
    view = TRANSFORMS.build(dict(type='FastSwAVView', size=8, scale=(1., 1.), ratio=(1., 1.)))
    np.random.seed(0)
    trials, flips = 4000, 0
    for _ in range(trials):
        out = view(dict(img=img))['img']
        flipped = np.array_equal(out, plain[:, ::-1])
        assert flipped or np.array_equal(out, plain)
        flips += flipped
    for name, prob in dict(jitter=0.8, gray=0.2, blur=0.5).items():
        sd = math.sqrt(prob * (1 - prob) / trials)
        assert abs(counts[name] / trials - prob) < 4 * sd, (name, counts[name])
    assert abs(flips / trials - 0.5) < 4 * math.sqrt(0.25 / trials)


def test_bad_image_is_a_clear_error():
    view = TRANSFORMS.build(dict(type='FastSwAVView', size=8))
    with pytest.raises(ValueError, match='uint8'):
        view(dict(img=np.zeros((10, 10, 3), np.float32), img_path='a.jpg'))
    with pytest.raises(ValueError, match='channel_order'):
        TRANSFORMS.build(dict(type='FastSwAVView', channel_order='hsv'))
