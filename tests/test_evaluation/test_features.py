# Copyright (c) mmswav contributors. All rights reserved.
"""feature1 ... feature5 against mmpretrain's own ResNet forward, for both stems: feature1
value-checked against the input of ``layer1`` in mmpretrain's forward."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR

from mmswav.evaluation import features
from mmswav.evaluation.features import multi_layer_features, resnet_maps


class Holder(torch.nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone


def stem_map(backbone, inputs: torch.Tensor) -> torch.Tensor:
    """The stem's output inside mmpretrain's own ``ResNet.forward``: the input of ``layer1``
    (after the max-pool of the ImageNet stem), caught by a forward pre-hook."""
    seen = []
    handle = backbone.layer1.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    try:
        backbone(inputs)
    finally:
        handle.remove()
    return seen[0]


def check_features(backbone_type, size: int) -> None:
    """feature1 ... feature5 of :func:`multi_layer_features` equal mmpretrain's stem map and
    stage outputs, each pooled independently here."""
    torch.manual_seed(0)
    backbone = backbone_type(depth=18, base_channels=16, stem_channels=16,
                             out_indices=(0, 1, 2, 3))
    backbone.eval()  # mmpretrain's ResNet.train() returns None: no chaining
    inputs = torch.randn(2, 3, size, size)
    pool_sizes = (4, 3, 2, 2, 1)
    with torch.no_grad():
        ours = multi_layer_features(Holder(backbone), inputs, pool_sizes)
        stages = backbone(inputs)  # mmpretrain's forward: stage1 ... stage4
        stem = stem_map(backbone, inputs)
    assert list(ours) == [f'feature{i}' for i in range(1, 6)]
    for i, stage in enumerate(stages):
        expected = F.adaptive_avg_pool2d(stage, pool_sizes[i + 1]).flatten(1)
        torch.testing.assert_close(ours[f'feature{i + 2}'], expected)
    # feature1 is the stem output: 1/4 of the input side for ImageNet's stem (stride-2 conv
    # and max-pool), the full side for the CIFAR stem (stride 1, no max-pool)
    stem_side = size // 4 if backbone_type is ResNet else size
    assert stem.shape == (2, 16, stem_side, stem_side)
    expected = F.adaptive_avg_pool2d(stem, pool_sizes[0]).flatten(1)
    # the stage-1 map has the stem's shape at width 16: the data must tell them apart
    assert stages[0].shape == stem.shape
    assert not torch.allclose(F.adaptive_avg_pool2d(stages[0], pool_sizes[0]).flatten(1),
                              expected, rtol=1e-2, atol=1e-2)
    torch.testing.assert_close(ours['feature1'], expected)


@pytest.mark.parametrize('backbone_type, size', [(ResNet, 64), (ResNet_CIFAR, 32)])
def test_multi_layer_features_match_resnet_stages(backbone_type, size):
    check_features(backbone_type, size)


def _stage1_as_feature1(backbone, inputs):
    maps = resnet_maps(backbone, inputs)
    return (maps[1], ) + maps[1:]


def _no_maxpool(backbone, inputs):
    x = backbone.relu(backbone.norm1(backbone.conv1(inputs)))
    maps = [x]
    for name in backbone.res_layers:
        maps.append(getattr(backbone, name)(maps[-1] if len(maps) > 1 else
                                            backbone.maxpool(x)))
    return tuple(maps)


@pytest.mark.parametrize('backbone_type, size, fault', [
    (ResNet, 64, _stage1_as_feature1), (ResNet_CIFAR, 32, _stage1_as_feature1),
    (ResNet, 64, _no_maxpool)])
def test_feature_check_fails_on_a_wrong_feature1(monkeypatch, backbone_type, size, fault):
    """Sabotage: the stage-1 map returned as feature1 (which the old shape-only check let
    through), and the ImageNet stem taken before its max-pool, must both fail the check."""
    monkeypatch.setattr(features, 'resnet_maps', fault)
    with pytest.raises(AssertionError):
        check_features(backbone_type, size)


def test_multi_layer_features_need_a_resnet():
    with pytest.raises(TypeError, match='ResNet backbone'):
        multi_layer_features(Holder(torch.nn.Conv2d(3, 4, 1)), torch.randn(1, 3, 8, 8))
