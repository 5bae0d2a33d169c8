# Copyright (c) mmswav contributors. All rights reserved.
"""feature1 ... feature5 against mmpretrain's own ResNet forward, for both stems."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR

from mmswav.evaluation.features import multi_layer_features


class Holder(torch.nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone


@pytest.mark.parametrize('backbone_type, size', [(ResNet, 64), (ResNet_CIFAR, 32)])
def test_multi_layer_features_match_resnet_stages(backbone_type, size):
    torch.manual_seed(0)
    backbone = backbone_type(depth=18, base_channels=16, stem_channels=16,
                             out_indices=(0, 1, 2, 3))
    backbone.eval()  # mmpretrain's ResNet.train() returns None: no chaining
    inputs = torch.randn(2, 3, size, size)
    pool_sizes = (4, 3, 2, 2, 1)
    with torch.no_grad():
        ours = multi_layer_features(Holder(backbone), inputs, pool_sizes)
        stages = backbone(inputs)  # mmpretrain's forward: stage1 ... stage4
    assert list(ours) == [f'feature{i}' for i in range(1, 6)]
    for i, stage in enumerate(stages):
        expected = F.adaptive_avg_pool2d(stage, pool_sizes[i + 1]).flatten(1)
        torch.testing.assert_close(ours[f'feature{i + 2}'], expected)
    # feature1 is the stem output: 1/4 of the input side for ImageNet's stem (stride-2 conv
    # and max-pool), the full side for the CIFAR stem (stride 1, no max-pool)
    stem_side = size // 4 if backbone_type is ResNet else size
    assert ours['feature1'].shape == (2, 16 * pool_sizes[0] ** 2)
    assert stages[0].shape[-1] == stem_side  # stage 1 keeps the stem's resolution


def test_multi_layer_features_need_a_resnet():
    with pytest.raises(TypeError, match='ResNet backbone'):
        multi_layer_features(Holder(torch.nn.Conv2d(3, 4, 1)), torch.randn(1, 3, 8, 8))


def test_resnet_multi_stage_matches_resnet():
    """The multi-head probe's backbone: the stem map, then mmpretrain's four stage outputs."""
    from mmswav.evaluation import ResNetMultiStage
    torch.manual_seed(0)
    reference = ResNet(depth=18, base_channels=16, stem_channels=16, out_indices=(0, 1, 2, 3))
    multi = ResNetMultiStage(depth=18, base_channels=16, stem_channels=16)
    multi.load_state_dict(reference.state_dict())
    reference.eval()
    multi.eval()
    inputs = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        maps, stages = multi(inputs), reference(inputs)
    assert len(maps) == 5 and maps[0].shape == (2, 16, 16, 16)  # stride-2 conv + max-pool
    for ours, expected in zip(maps[1:], stages):
        torch.testing.assert_close(ours, expected)
