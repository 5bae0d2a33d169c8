# Copyright (c) mmswav contributors. All rights reserved.
"""The 1x1 / 2x2 fast path of the backbone's 3x3 convolutions against plain ``nn.Conv2d``:
equal results, and the fast path really runs (a spy counts its ``F.linear`` calls and the
plain convolutions), on exactly the maps hand-counted below."""
import copy
from contextlib import contextmanager

import pytest
import torch
import torch.nn as nn
from mmpretrain.models import ResNet

from mmswav.models.algorithms import tiny_map_conv
from mmswav.models.algorithms.tiny_map_conv import TinyMapConv2d, convert_tiny_map_convs

# (size, stride) -> whether the fast path applies: a 1x1 map at any stride, a 2x2 map at
# stride 2; every other input goes through the plain convolution
FAST = {(1, 1): True, (1, 2): True, (2, 2): True, (2, 1): False, (5, 2): False}


@contextmanager
def spy(monkeypatch):
    """Count the fast path's ``F.linear`` calls and the plain ``nn.Conv2d`` forwards."""
    calls = dict(linear=0, conv=0)
    linear, conv_forward = tiny_map_conv.F.linear, nn.Conv2d._conv_forward

    def counting_linear(*args, **kwargs):
        calls['linear'] += 1
        return linear(*args, **kwargs)

    def counting_conv(self, *args, **kwargs):
        calls['conv'] += 1
        return conv_forward(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(tiny_map_conv.F, 'linear', counting_linear)
        patch.setattr(nn.Conv2d, '_conv_forward', counting_conv)
        yield calls


def check_fast_path_runs(monkeypatch, size: int, stride: int) -> None:
    """One forward of a converted conv: one ``F.linear`` and no conv on the fast path's maps,
    one conv and no ``F.linear`` elsewhere."""
    fast = nn.Conv2d(16, 8, 3, stride, 1)
    fast.__class__ = TinyMapConv2d
    with spy(monkeypatch) as calls:
        fast(torch.randn(2, 16, size, size))
    expected = dict(linear=1, conv=0) if FAST[(size, stride)] else dict(linear=0, conv=1)
    assert calls == expected, f'{size}x{size} stride {stride}: {calls} != {expected}'


@pytest.mark.parametrize('size,stride', list(FAST))
def test_fast_path_runs_exactly_on_tiny_maps(monkeypatch, size, stride):
    check_fast_path_runs(monkeypatch, size, stride)


def test_fast_path_check_fails_when_the_fast_path_is_gone(monkeypatch):
    """Sabotage: ``TinyMapConv2d.forward = nn.Conv2d.forward`` (results still equal, which
    the equality tests below let through) must fail the spy check."""
    monkeypatch.setattr(TinyMapConv2d, 'forward', nn.Conv2d.forward)
    with pytest.raises(AssertionError, match='1x1 stride 1'):
        check_fast_path_runs(monkeypatch, 1, 1)
    check_fast_path_runs(monkeypatch, 5, 2)  # the plain maps are unaffected


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


def test_resnet18_small_crops_same_features_and_grads(monkeypatch):
    torch.manual_seed(0)
    plain = ResNet(18, out_indices=(3, ))
    fast = copy.deepcopy(plain)
    assert convert_tiny_map_convs(fast) == 16  # every 3x3 conv but the 7x7 stem
    assert fast.state_dict().keys() == plain.state_dict().keys()
    # hand count, 7x7 stride-2 stem + max-pool then 4 stages of 4 convs (first of stages 2-4
    # strided): 32 px -> 8, 8, 4, 2, 1: layer4's strided conv on 2x2 and its 3 convs on 1x1;
    # 16 px -> 4, 4, 2, 1, 1: layer3's strided conv on 2x2, its 3 on 1x1, and all of layer4
    fast_convs = {32: 4, 16: 8}
    for size in (32, 16):  # the quick-start crops: 1x1 and 2x2 maps in layers 3-4
        x = torch.randn(8, 3, size, size)
        out = plain(x)[0]
        with spy(monkeypatch) as calls:
            out_fast = fast(x)[0]
        # plain: the stem, the three 1x1 downsample convs and the 16 - fast_convs other 3x3
        assert 0 < fast_convs[size] < 16  # strictly some of each
        assert calls == dict(linear=fast_convs[size], conv=20 - fast_convs[size]), size
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
