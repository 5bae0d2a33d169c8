# Copyright (c) mmswav contributors. All rights reserved.
import numpy as np
import pytest

from mmswav.registry import TRANSFORMS


def _pipeline(size: int):
    return [dict(type='RandomResizedCrop', scale=size, crop_ratio_range=(0.2, 1.0)),
            dict(type='RandomFlip', prob=0.5)]


def test_number_order_and_sizes_of_crops():
    transform = TRANSFORMS.build(
        dict(type='MultiView', num_views=[2, 6], transforms=[_pipeline(24), _pipeline(8)]))
    img = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    out = transform(dict(img=img))
    assert [v.shape for v in out['img']] == [(24, 24, 3)] * 2 + [(8, 8, 3)] * 6
    assert all(v.dtype == np.uint8 for v in out['img'])
    assert transform.total_views == 8
    # views are independent random crops, not copies
    assert not np.array_equal(out['img'][0], out['img'][1])


def test_single_group_int_num_views():
    transform = TRANSFORMS.build(dict(type='MultiView', num_views=3,
                                      transforms=[_pipeline(16)]))
    out = transform(dict(img=np.zeros((20, 20, 3), np.uint8)))
    assert len(out['img']) == 3


def test_groups_and_pipelines_must_match():
    with pytest.raises(ValueError, match='one pipeline per group'):
        TRANSFORMS.build(dict(type='MultiView', num_views=[2, 6], transforms=[_pipeline(8)]))
    with pytest.raises(ValueError, match='positive'):
        TRANSFORMS.build(dict(type='MultiView', num_views=[0], transforms=[_pipeline(8)]))


def test_published_recipe_from_config():
    from pathlib import Path

    from mmengine.config import Config
    root = Path(__file__).resolve().parents[2]
    cfg = Config.fromfile(root / 'configs/_base_/datasets/imagenet_swav_mcrop-2-6.py')
    multi_view = next(t for t in cfg.train_pipeline if t['type'] == 'MultiView')
    transform = TRANSFORMS.build(multi_view)
    img = np.random.default_rng(1).integers(0, 256, (300, 260, 3), dtype=np.uint8)
    views = transform(dict(img=img))['img']
    assert [v.shape[:2] for v in views] == [(224, 224)] * 2 + [(96, 96)] * 6
