# Copyright (c) mmswav contributors. All rights reserved.
import pytest
import torch

from mmswav.models import SwAV
from mmswav.registry import MODELS


def _model(freeze_iters: int = 0, num_crops=(2, 4)) -> SwAV:
    return MODELS.build(
        dict(
            type='SwAV',
            backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
            neck=dict(type='SwAVNeck', in_channels=512, hid_channels=64, out_channels=16),
            head=dict(
                type='SwAVHead',
                feat_dim=16,
                num_prototypes=12,
                freeze_prototypes_iters=freeze_iters,
                loss=dict(type='SwAVLoss', num_crops=list(num_crops)))))


def _crops(batch=4, sizes=(32, 32, 16, 16, 16, 16)):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(batch, 3, s, s, generator=g) for s in sizes]


def test_registry_resolves_ours_and_mmpretrain():
    from mmpretrain.models import ResNet

    from mmswav.models.algorithms.swav import SwAV as OurSwAV
    from mmswav.registry import TRANSFORMS
    assert MODELS.get('SwAV') is OurSwAV
    assert MODELS.get('SwAVHead').__module__.startswith('mmswav.')
    assert MODELS.get('ResNet') is ResNet
    assert TRANSFORMS.get('MultiView').__module__.startswith('mmswav.')
    assert TRANSFORMS.get('RandomResizedCrop').__module__.startswith('mmpretrain.')
    import mmpretrain.registry as parent
    assert parent.MODELS.get('SwAV') is not OurSwAV  # mmpretrain keeps its own


def test_one_backbone_call_per_resolution_group():
    model = _model()
    calls = []
    model.backbone.register_forward_hook(lambda m, i, o: calls.append(i[0].shape))
    model.loss(_crops(), None)
    assert calls == [torch.Size([8, 3, 32, 32]), torch.Size([16, 3, 16, 16])]
    assert SwAV.resolution_groups(_crops(sizes=(32, 16, 32))) == [1, 2, 3]


def test_gradients_reach_backbone_neck_and_prototypes_after_freeze():
    model = _model(freeze_iters=3)
    model.head.set_progress(epoch=0, iteration=0)
    model.loss(_crops(), None)['loss'].backward()
    model.head.drop_frozen_prototype_grads()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None and g.abs().sum() > 0 for n, g in grads.items()
               if n.startswith(('backbone.layer4', 'neck.')))
    assert grads['head.prototypes.weight'] is None  # frozen
    model.zero_grad(set_to_none=True)
    model.head.set_progress(epoch=0, iteration=3)
    model.loss(_crops(), None)['loss'].backward()
    model.head.drop_frozen_prototype_grads()
    assert model.head.prototypes.weight.grad.abs().sum() > 0
    # the loss has no parameters; nothing else has gradients
    names = {n for n, p in model.named_parameters() if p.grad is not None}
    assert all(n.startswith(('backbone.', 'neck.', 'head.prototypes')) for n in names)


def test_wrong_number_of_crops_is_named():
    with pytest.raises(ValueError, match='num_crops'):
        _model().loss(_crops(sizes=(32, 32, 16, 16)), None)


def test_predict_and_tensor_modes():
    model = _model().eval()
    images = torch.randn(3, 3, 32, 32)
    samples = model(images, mode='predict')
    assert len(samples) == 3 and samples[0].feature.shape == (512, )
    feats = model(images, mode='tensor')
    torch.testing.assert_close(samples[1].feature, feats[-1][1].mean(dim=(1, 2)))


def test_neck_input_width_mismatch_is_named():
    model = MODELS.build(
        dict(type='SwAV', backbone=dict(type='ResNet', depth=18),
             neck=dict(type='SwAVNeck', in_channels=2048, out_channels=16),
             head=dict(type='SwAVHead', feat_dim=16, num_prototypes=4,
                       loss=dict(type='SwAVLoss', num_crops=[2, 4]))))
    with pytest.raises(ValueError, match='in_channels'):
        model.loss(_crops(), None)
