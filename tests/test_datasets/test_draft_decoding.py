# Copyright (c) mmswav contributors. All rights reserved.
"""Draft JPEG decoding (``draft_views``): the reduction worked out by hand, decoded sizes,
and crops of a real photo (a raccoon image upscaled to 2,400 px) equal to the crops of the
fully decoded image within a few grey levels, pixel by pixel and in distribution."""
import copy
import math

import numpy as np
import pytest
from PIL import Image
from scipy import stats

from mmswav.datasets.transforms import FastSwAVView, RobustLoadImageFromFile
from mmswav.datasets.transforms.draft import draft_factor
from mmswav.datasets.transforms.robust_loading import decode_rgb

VIEWS = [dict(size=224, scale=(0.14, 1.)), dict(size=96, scale=(0.05, 0.14))]


@pytest.fixture(scope='module')
def big_photo(raccoon_root, tmp_path_factory):
    img = Image.open(sorted((raccoon_root / 'images').glob('*.jpg'))[0]).convert('RGB')
    factor = 2400 / max(img.size)
    img = img.resize((round(img.width * factor), round(img.height * factor)), Image.LANCZOS)
    path = tmp_path_factory.mktemp('big') / 'photo.jpg'
    img.save(path, quality=92)
    return path


def test_the_reduction_by_hand():
    # 4000 x 3000: the global crop's shortest side is sqrt(0.14 * 12e6 * 3/4) = 1122.5 px,
    # 5.01 x its 224; the local one's sqrt(0.05 * 12e6 * 3/4) = 670.8 px, 6.99 x its 96
    assert draft_factor(3000, 4000, VIEWS) == pytest.approx(math.sqrt(0.14 * 9e6) / 224)
    assert draft_factor(3000, 4000, VIEWS[1:]) == pytest.approx(math.sqrt(0.05 * 9e6) / 96)
    assert draft_factor(500, 400, VIEWS) < 2  # an ImageNet-size image: no reduction


def test_decoded_sizes(big_photo, tmp_path):
    full = decode_rgb(str(big_photo))
    height, width = full.shape[:2]
    factor = draft_factor(height, width, VIEWS)  # 2400 px long side: 3.x -> Pillow's 1/2
    scale = 2 ** int(math.log2(factor))
    draft = decode_rgb(str(big_photo), draft_views=VIEWS)
    assert draft.shape == (math.ceil(height / scale), math.ceil(width / scale), 3)
    png = tmp_path / 'photo.png'  # not a JPEG: no draft mode
    Image.fromarray(full).save(png)
    assert decode_rgb(str(png), draft_views=VIEWS).shape == full.shape
    # the loader passes it on, and a worker's deep copy keeps it
    loader = RobustLoadImageFromFile(draft_views=VIEWS, channel_order='rgb')
    out = copy.deepcopy(loader)(dict(img_path=str(big_photo)))
    assert out['img'].shape == draft.shape and np.array_equal(out['img'], draft)


def test_crops_equal_full_decoding_within_tolerance(big_photo):
    full = decode_rgb(str(big_photo))
    draft = decode_rgb(str(big_photo), draft_views=VIEWS)
    h0, w0 = full.shape[:2]
    h1, w1 = draft.shape[:2]
    rng = np.random.default_rng(0)
    diffs, biases = [], []
    for view in VIEWS:  # the smallest crops of each view, where resolution matters most
        for _ in range(40):
            s = rng.uniform(view['scale'][0], view['scale'][0] * 1.5)
            a = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
            fh, fw = math.sqrt(s / a), math.sqrt(s * a)  # fractions of the image sides
            top, left = rng.uniform(0, 1 - fh), rng.uniform(0, 1 - fw)
            crops = []
            for img, h, w in ((full, h0, w0), (draft, h1, w1)):
                box = (round(left * w), round(top * h), round((left + fw) * w),
                       round((top + fh) * h))
                crops.append(np.asarray(Image.fromarray(img).crop(box).resize(
                    (view['size'], view['size']), Image.BILINEAR), dtype=np.float64))
            diffs.append(np.abs(crops[0] - crops[1]).mean())
            biases.append((crops[1] - crops[0]).mean())
    # the same crop box: a few grey levels (the DCT's resampling vs the bilinear filter)
    assert np.mean(diffs) < 3.0 and np.max(diffs) < 6.0, (np.mean(diffs), np.max(diffs))
    assert abs(np.mean(biases)) < 0.5, np.mean(biases)


def test_random_views_have_the_same_statistics(big_photo):
    full = decode_rgb(str(big_photo))
    draft = decode_rgb(str(big_photo), draft_views=VIEWS)
    view = FastSwAVView(size=96, scale=(0.05, 0.14), channel_order='rgb')
    stats_of = {}
    for name, img in (('full', full), ('draft', draft)):
        np.random.seed(0)
        views = [view(dict(img=img))['img'].astype(np.float64) for _ in range(300)]
        stats_of[name] = (np.array([v.mean() for v in views]), np.array([v.std()
                                                                         for v in views]))
    for i, what in enumerate(('mean', 'contrast (std)')):
        p = stats.ks_2samp(stats_of['full'][i], stats_of['draft'][i]).pvalue
        assert p > 0.01, f'{what} of the views differs: KS p = {p:.4f}'
