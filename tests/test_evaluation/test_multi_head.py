# Copyright (c) mmswav contributors. All rights reserved.
"""ResNetMultiStage / ResNetCIFARMultiStage: the stem's map, then mmpretrain's four stages;
and the multi-head linear head on them."""
import pytest
import torch
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR

from mmswav.evaluation import MultiLinearClsHead, ResNetCIFARMultiStage, ResNetMultiStage


@pytest.mark.parametrize('reference_type, multi_type, size, shapes', [
    # stride-2 7x7 stem + max-pool: the stem map is 1/4 of the input side
    (ResNet, ResNetMultiStage, 64, [(16, 16, 16), (16, 16, 16), (32, 8, 8), (64, 4, 4),
                                    (128, 2, 2)]),
    # stride-1 3x3 stem, no max-pool: the stem map keeps the 32 px resolution
    (ResNet_CIFAR, ResNetCIFARMultiStage, 32, [(16, 32, 32), (16, 32, 32), (32, 16, 16),
                                               (64, 8, 8), (128, 4, 4)]),
])
def test_multi_stage_matches_mmpretrain(reference_type, multi_type, size, shapes):
    """The multi-head probe's backbones: the stem map (the input of ``layer1`` in
    mmpretrain's own forward, caught by a pre-hook), then mmpretrain's four stage outputs."""
    torch.manual_seed(0)
    reference = reference_type(depth=18, base_channels=16, stem_channels=16,
                               out_indices=(0, 1, 2, 3))
    multi = multi_type(depth=18, base_channels=16, stem_channels=16)
    multi.load_state_dict(reference.state_dict())
    reference.eval()
    multi.eval()
    inputs = torch.randn(2, 3, size, size)
    stem = []
    reference.layer1.register_forward_pre_hook(lambda m, args: stem.append(args[0]))
    with torch.no_grad():
        maps, stages = multi(inputs), reference(inputs)
    assert [tuple(m.shape[1:]) for m in maps] == shapes
    torch.testing.assert_close(maps[0], stem[0])
    for ours, expected in zip(maps[1:], stages):
        torch.testing.assert_close(ours, expected)


def test_multi_linear_head_on_the_cifar_maps():
    torch.manual_seed(0)
    backbone = ResNetCIFARMultiStage(depth=18, base_channels=16, stem_channels=16)
    backbone.eval()  # mmpretrain's ResNet.train() returns None: no chaining
    with torch.no_grad():
        maps = backbone(torch.randn(2, 3, 32, 32))
    # the CIFAR mhead config's head: pooled to 8/8/6/4/2 -> 1024/1024/1152/1024/512 dims
    head = MultiLinearClsHead(10, (16, 16, 32, 64, 128), (8, 8, 6, 4, 2))
    assert [fc.in_features for fc in head.fcs] == [1024, 1024, 1152, 1024, 512]
    assert [tuple(s.shape) for s in head(maps)] == [(2, 10)] * 5
