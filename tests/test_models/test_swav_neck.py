# Copyright (c) mmswav contributors. All rights reserved.
import pytest
import torch

from mmswav.models.necks import SwAVNeck


def test_default_is_official_projection_head():
    neck = SwAVNeck()
    layers = [type(m).__name__ for m in neck.projection_neck]
    assert layers == ['Linear', 'BatchNorm1d', 'ReLU', 'Linear']
    assert neck.projection_neck[0].weight.shape == (2048, 2048)
    assert neck.projection_neck[3].weight.shape == (128, 2048)


def test_pools_all_groups_together_and_normalises():
    neck = SwAVNeck(in_channels=6, hid_channels=5, out_channels=4, num_layers=3).train()
    assert [type(m).__name__ for m in neck.projection_neck].count('Linear') == 3
    groups = [torch.randn(2, 6, 4, 4), torch.randn(3, 6, 2, 2)]
    out = neck(groups)[0]
    assert out.shape == (5, 4)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(5))
    # BatchNorm sees all 5 crops at once: same result as one concatenated group
    pooled = torch.cat([g.mean(dim=(2, 3)) for g in groups])
    neck2 = SwAVNeck(in_channels=6, hid_channels=5, out_channels=4, num_layers=3,
                     with_avg_pool=False).train()
    neck2.load_state_dict(neck.state_dict())
    torch.testing.assert_close(neck2([pooled])[0], out)


def test_no_hidden_layer_and_no_bn():
    assert [type(m).__name__ for m in SwAVNeck(hid_channels=0).projection_neck] == ['Linear']
    names = [type(m).__name__ for m in SwAVNeck(with_bn=False).projection_neck]
    assert names == ['Linear', 'ReLU', 'Linear']
    with pytest.raises(ValueError, match='num_layers'):
        SwAVNeck(num_layers=0)
