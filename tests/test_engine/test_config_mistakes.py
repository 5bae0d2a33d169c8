# Copyright (c) mmswav contributors. All rights reserved.
"""Config mistakes get an error naming the key and what to do (never a silent result)."""
import pytest
import torch

from mmswav.registry import MODELS


def swav(**head_changes):
    head = dict(type='SwAVHead', feat_dim=16, num_prototypes=10,
                loss=dict(type='SwAVLoss', num_crops=[2, 4]))
    head.update(head_changes)
    return MODELS.build(dict(
        type='SwAV',
        backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
        neck=dict(type='SwAVNeck', in_channels=64, hid_channels=16, out_channels=16),
        head=head))


def crops(batch=2, views=(2, 4)):
    return [torch.rand(batch, 3, 32, 32)] * views[0] + [torch.rand(batch, 3, 16, 16)] * views[1]


@pytest.mark.parametrize('assign', [[0, 6], [-1, 0]])
def test_crops_for_assign_out_of_range(assign):
    with pytest.raises(ValueError, match=r'crops_for_assign=.*outside the 6 crops.*\[0, 5\]'):
        MODELS.build(dict(type='SwAVLoss', num_crops=[2, 4], crops_for_assign=assign))


def test_num_crops_not_matching_pipeline():
    model = swav()
    with pytest.raises(ValueError, match=r'got 8 crops.*expects 6.*num_crops.*MultiView'):
        model.loss(crops(views=(2, 6)), None)


def test_queue_shorter_than_batch():
    model = swav(queue_length=3, epoch_queue_starts=0)
    model.train()
    with pytest.raises(ValueError, match=r'queue_length.*shorter than the batch of 4.*'
                                         r'raise queue_length or set it to 0'):
        model.loss(crops(batch=4), None)


def test_neck_output_not_matching_head():
    model = swav(feat_dim=32)
    with pytest.raises(ValueError, match=r'16-d embeddings but feat_dim=32.*neck.out_channels'):
        model.loss(crops(), None)


def test_backbone_width_not_matching_neck():
    model = MODELS.build(dict(
        type='SwAV', backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
        neck=dict(type='SwAVNeck', in_channels=512, hid_channels=16, out_channels=16),
        head=dict(type='SwAVHead', feat_dim=16, num_prototypes=10,
                  loss=dict(type='SwAVLoss', num_crops=[2, 4]))))
    with pytest.raises(ValueError, match=r'64-channel features but in_channels=512'):
        model.loss(crops(), None)


@pytest.mark.parametrize('key', ['epsilon', 'temperature'])
@pytest.mark.parametrize('value', [0., -0.05])
def test_non_positive_epsilon_and_temperature(key, value):
    with pytest.raises(ValueError, match=f'{key} must be > 0, got {value}'):
        MODELS.build(dict(type='SwAVLoss', num_crops=[2, 4], **{key: value}))
