# Copyright (c) mmswav contributors. All rights reserved.
"""ResNetCIFARMultiStage: the CIFAR stem's map, then ResNet_CIFAR's four stages."""
import torch
from mmpretrain.models.backbones import ResNet_CIFAR

from mmswav.evaluation import MultiLinearClsHead, ResNetCIFARMultiStage


def test_resnet_cifar_multi_stage_matches_resnet_cifar():
    torch.manual_seed(0)
    reference = ResNet_CIFAR(depth=18, base_channels=16, stem_channels=16,
                             out_indices=(0, 1, 2, 3))
    multi = ResNetCIFARMultiStage(depth=18, base_channels=16, stem_channels=16)
    multi.load_state_dict(reference.state_dict())
    reference.eval()
    multi.eval()
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        maps, stages = multi(inputs), reference(inputs)
    # stride-1 3x3 stem, no max-pool: the stem map keeps the 32 px resolution
    assert [tuple(m.shape[1:]) for m in maps] == [(16, 32, 32), (16, 32, 32), (32, 16, 16),
                                                   (64, 8, 8), (128, 4, 4)]
    stem = reference.relu(reference.norm1(reference.conv1(inputs)))
    torch.testing.assert_close(maps[0], stem)
    for ours, expected in zip(maps[1:], stages):
        torch.testing.assert_close(ours, expected)
    # the CIFAR mhead config's head: pooled to 8/8/6/4/2 -> 1024/1024/1152/1024/512 dims
    head = MultiLinearClsHead(10, (16, 16, 32, 64, 128), (8, 8, 6, 4, 2))
    assert [fc.in_features for fc in head.fcs] == [1024, 1024, 1152, 1024, 512]
    assert [tuple(s.shape) for s in head(maps)] == [(2, 10)] * 5
