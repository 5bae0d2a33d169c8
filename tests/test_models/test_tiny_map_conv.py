# Copyright (c) mmswav contributors. All rights reserved.
"""The 1x1 / 2x2 fast path of the backbone's 3x3 convolutions against plain ``nn.Conv2d``."""
import copy

import pytest
import torch
import torch.nn as nn
from mmpretrain.models import ResNet

from mmswav.models.algorithms.tiny_map_conv import TinyMapConv2d, convert_tiny_map_convs


@pytest.mark.parametrize('size,stride', [(1, 1), (1, 2), (2, 2), (2, 1), (5, 2)])
def test_conv_equals_plain_conv_forward_and_backward(size, stride):
    torch.manual_seed(0)
    plain = nn.Conv2d(16, 8, 3, stride, 1)
    fast = copy.deepcopy(plain)
    fast.__class__ = TinyMapConv2d
    x = torch.randn(5, 16, size, size, requires_grad=True)
    x_fast = x.detach().clone().requires_grad_()
    out, out_fast = plain(x), fast(x_fast)
    assert out_fast.shape == out.shape
    torch.testing.assert_close(out_fast, out, rtol=1e-5, atol=1e-6)
    upstream = torch.randn_like(out)
    (out * upstream).sum().backward()
    (out_fast * upstream).sum().backward()
    torch.testing.assert_close(x_fast.grad, x.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fast.weight.grad, plain.weight.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fast.bias.grad, plain.bias.grad, rtol=1e-5, atol=1e-6)
    if size == 1:  # the padding taps get exactly no gradient, as with the plain conv
        assert fast.weight.grad[:, :, [0, 2]].abs().max() == 0


def test_resnet18_small_crops_same_features_and_grads():
    torch.manual_seed(0)
    plain = ResNet(18, out_indices=(3, ))
    fast = copy.deepcopy(plain)
    assert convert_tiny_map_convs(fast) == 16  # every 3x3 conv but the 7x7 stem
    assert fast.state_dict().keys() == plain.state_dict().keys()
    for size in (32, 16):  # the quick-start crops: 1x1 and 2x2 maps in layers 3-4
        x = torch.randn(8, 3, size, size)
        out, out_fast = plain(x)[0], fast(x)[0]
        torch.testing.assert_close(out_fast, out, rtol=1e-4, atol=1e-5)
        upstream = torch.randn_like(out)
        plain.zero_grad()
        fast.zero_grad()
        (out * upstream).sum().backward()
        (out_fast * upstream).sum().backward()
        for p, q in zip(fast.parameters(), plain.parameters()):
            torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-4 * q.grad.abs().max())
    x = torch.randn(2, 3, 64, 64)  # no 1x1 map, no strided 2x2 map: the plain path, bit for bit
    assert torch.equal(fast(x)[0], plain(x)[0])


def test_swav_option_converts_backbone_only_when_on():
    from mmswav.registry import MODELS
    cfg = dict(type='SwAV', backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
               neck=dict(type='SwAVNeck', in_channels=512, hid_channels=64, out_channels=16),
               head=dict(type='SwAVHead', feat_dim=16, num_prototypes=10,
                         loss=dict(type='SwAVLoss', num_crops=[2])))
    on = MODELS.build(cfg)
    off = MODELS.build(dict(cfg, tiny_map_convs=False))
    kinds = lambda m: {type(c) for c in m.backbone.modules() if isinstance(c, nn.Conv2d)}  # noqa
    assert TinyMapConv2d in kinds(on)
    assert TinyMapConv2d not in kinds(off)
