# Copyright (c) mmswav contributors. All rights reserved.
"""Every checkpoint layout the converter reads, built here with real ResNet-50 shapes, is
converted and strict-loaded into mmdet's and mmseg's ResNet-50 (and torchvision's); bad files
are refused with a message naming what was found."""
from collections import OrderedDict

import pytest
import torch
import torchvision
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint, save_checkpoint

from .downstream_smoke import REPO, load_tool

convert_tool = load_tool('model_converters/selfsup2mmdet.py')
extract_tool = load_tool('model_converters/extract_backbone_weights.py')


@pytest.fixture(scope='module')
def resnet50():
    """Reference backbone weights: a random torchvision ResNet-50 without ``fc``."""
    torch.manual_seed(0)
    model = torchvision.models.resnet50()
    for m in model.modules():  # non-trivial BN statistics, so a mix-up would show
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)
    return OrderedDict((k, v) for k, v in model.state_dict().items() if not k.startswith('fc.'))


@pytest.fixture(scope='module')
def targets():
    """mmdet's and mmseg's plain-stem ResNet-50, as their configs build them (mmpretrain's,
    the same layout, on the core install without mmdet / mmseg)."""
    import importlib.util
    if importlib.util.find_spec('mmdet') is None or importlib.util.find_spec('mmseg') is None:
        print('mmdet / mmseg not installed (core install): round trips into mmpretrain\'s '
              'ResNet-50 only; bash tools/install.sh --transfer adds them')
        from mmpretrain.models import ResNet
        return dict(mmpretrain=ResNet(depth=50))
    from mmdet.models.backbones import ResNet as DetResNet
    from mmseg.models.backbones import ResNet as SegResNet
    return dict(mmdet=DetResNet(depth=50), mmseg=SegResNet(depth=50))


def _heads(prefix: str) -> dict:
    """Official SwAV heads (projection MLP and prototypes; small: their shapes are unused)."""
    return {f'{prefix}projection_head.0.weight': torch.randn(16, 2048),
            f'{prefix}projection_head.0.bias': torch.randn(16),
            f'{prefix}projection_head.3.weight': torch.randn(8, 16),
            f'{prefix}prototypes.weight': torch.randn(30, 8)}


def _layouts(r50: dict) -> dict:
    """name -> (checkpoint object as its tool writes it, expected layout)."""
    module = {f'module.{k}': v for k, v in r50.items()}
    backbone = {f'backbone.{k}': v for k, v in r50.items()}
    neck = {'neck.projection_neck.0.weight': torch.randn(16, 2048)}
    moco = {f'module.encoder_q.{k}': v for k, v in r50.items()}
    moco.update({f'module.encoder_k.{k}': v for k, v in r50.items()})
    moco.update({'module.encoder_q.fc.0.weight': torch.randn(16, 2048),
                 'module.encoder_q.fc.2.weight': torch.randn(8, 16),
                 'module.queue': torch.randn(128, 16), 'module.queue_ptr': torch.zeros(1)})
    tv = dict(r50, **{'fc.weight': torch.randn(1000, 2048), 'fc.bias': torch.randn(1000)})
    return {
        'openmmlab-1.x': (dict(meta=dict(mmengine_version='0.10.7', epoch=200),
                               state_dict=dict(backbone, **neck, **{
                                   'head.loss_module.prototypes.weight': torch.randn(30, 8)})),
                          'openmmlab-1.x'),
        'openmmlab-0.x': (dict(meta=dict(mmcv_version='1.7.0', epoch=200),
                               state_dict=dict(backbone, **neck,
                                               **{'head.prototypes.weight': torch.randn(30, 8)})),
                          'openmmlab-0.x'),
        'swav-bare': (dict(module, **_heads('module.')), 'swav'),
        'swav-train': (dict(epoch=800, state_dict=dict(module, **_heads('module.')),
                            optimizer=dict(state={}, param_groups=[])), 'swav'),
        'swav-hub': (dict(r50, **_heads('')), 'swav-hub'),
        'torchvision-hub-model': (tv, 'torchvision'),
        'moco-v2': (dict(epoch=200, arch='resnet50', state_dict=moco), 'moco'),
    }


def _assert_loads_strictly(path, r50: dict, targets: dict) -> None:
    for name, model in targets.items():
        load_checkpoint(model, str(path), map_location='cpu', strict=True)  # raises if not
        differ = [k for k, v in model.state_dict().items()
                  if not k.endswith('num_batches_tracked') and not torch.equal(v, r50[k])]
        assert not differ, f'{name}: weights not copied exactly: {differ[:3]}'


@pytest.mark.parametrize('name', ['openmmlab-1.x', 'openmmlab-0.x', 'swav-bare', 'swav-train',
                                  'swav-hub', 'torchvision-hub-model', 'moco-v2'])
def test_round_trip(name, resnet50, targets, tmp_path, capsys):
    ckpt, layout = _layouts(resnet50)[name]
    src, dst = tmp_path / 'src.pth', tmp_path / 'dst.pth'
    torch.save(ckpt, src)
    selfsup = 'moco' if layout == 'moco' else 'auto'
    assert convert_tool.main([str(src), str(dst), '--selfsup', selfsup]) == 0
    out = capsys.readouterr().out
    assert f'layout {layout}' in out and f'kept {len(resnet50)} backbone keys' in out
    heads = {'swav': 'module.prototypes.weight', 'swav-hub': 'prototypes.weight',
             'moco': 'module.encoder_q.fc.* (2)', 'torchvision': 'fc.weight',
             'openmmlab-1.x': 'head.loss_module.prototypes.*', 'openmmlab-0.x': 'head.prototypes'}
    assert heads[layout] in out, out  # the dropped head is listed
    written = torch.load(dst, weights_only=True)
    assert set(written['state_dict']) == set(resnet50)
    _assert_loads_strictly(dst, resnet50, targets)


def test_mmswav_checkpoint_round_trip(targets, tmp_path, capsys):
    """A real mmswav SwAV ResNet-50 (model built from the config, mmengine checkpoint)."""
    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmswav'):
        model = MODELS.build(Config.fromfile(
            str(REPO / 'configs/_base_/models/swav_resnet50.py')).model)
    r50 = {k[9:]: v for k, v in model.state_dict().items() if k.startswith('backbone.')}
    src, dst = tmp_path / 'epoch_1.pth', tmp_path / 'dst.pth'
    save_checkpoint(dict(meta=dict(mmengine_version='0.10.7'), state_dict=model.state_dict()),
                    str(src))
    assert convert_tool.main([str(src), str(dst)]) == 0
    out = capsys.readouterr().out
    assert 'layout mmswav' in out and 'head.queue' in out and 'head.prototypes.weight' in out
    _assert_loads_strictly(dst, r50, targets)

    tv_dst = tmp_path / 'tv.pth'
    assert convert_tool.main([str(src), str(tv_dst), '--torchvision']) == 0
    tv = torchvision.models.resnet50()
    result = tv.load_state_dict(torch.load(tv_dst, weights_only=True), strict=False)
    assert sorted(result.missing_keys) == ['fc.bias', 'fc.weight']
    assert result.unexpected_keys == []
    torch.testing.assert_close(tv.layer4[2].conv3.weight, r50['layer4.2.conv3.weight'])

    for flag, prefix in (([], 'backbone.'), (['--remove-prefix'], '')):
        out_path = tmp_path / f'extract{len(flag)}.pth'
        assert extract_tool.main([str(src), str(out_path)] + flag) == 0
        state = torch.load(out_path, weights_only=True)['state_dict']
        assert set(state) == {prefix + k for k in r50}
        torch.testing.assert_close(state[prefix + 'conv1.weight'], r50['conv1.weight'])


def _refused(tmp_path, capsys, obj=None, raw=None, args=()) -> str:
    src = tmp_path / 'bad.pth'
    if raw is not None:
        src.write_bytes(raw)
    else:
        torch.save(obj, src)
    assert convert_tool.main([str(src), str(tmp_path / 'out.pth'), *args]) == 1
    assert not (tmp_path / 'out.pth').exists()
    err = capsys.readouterr().err
    assert str(src) in err
    return err


def test_refuses_bad_files(resnet50, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('MMSWAV_WEIGHTS_ONLY', '1')  # never unpickle the junk below
    assert 'not a readable torch checkpoint' in _refused(tmp_path, capsys, raw=b'')
    assert 'not a readable torch checkpoint' in _refused(tmp_path, capsys, raw=b'{"a": 1}\n')
    torch.save(dict(state_dict=resnet50), tmp_path / 'good.pth')
    truncated = (tmp_path / 'good.pth').read_bytes()[:100000]
    assert 'not a readable' in _refused(tmp_path, capsys, raw=truncated)
    assert 'holds a list' in _refused(tmp_path, capsys, obj=[1, 2])
    assert 'no weights found' in _refused(tmp_path, capsys, obj={})
    assert 'no weights found' in _refused(tmp_path, capsys, obj=dict(meta=dict(epoch=1)))
    vit = {'cls_token': torch.zeros(1, 1, 8), 'blocks.0.attn.qkv.weight': torch.zeros(24, 8)}
    err = _refused(tmp_path, capsys, obj=vit)
    assert 'unknown checkpoint layout' in err and 'blocks.0.attn.qkv.weight' in err


def test_refuses_other_architectures(resnet50, tmp_path, capsys):
    r18 = {k: v for k, v in torchvision.models.resnet18().state_dict().items()
           if not k.startswith('fc.')}
    err = _refused(tmp_path, capsys, obj=dict(state_dict={f'backbone.{k}': v
                                                          for k, v in r18.items()}))
    assert 'resnet18' in err and 'not a plain-stem resnet50' in err
    deep = {k: v for k, v in resnet50.items() if not k.startswith(('conv1.', 'bn1.'))}
    deep['stem.0.weight'] = torch.zeros(32, 3, 3, 3)
    for prefix in ('module.', 'backbone.'):  # DDP-wrapped, and mmpretrain's ResNetV1c
        assert 'deep-stem' in _refused(tmp_path, capsys, obj={f'{prefix}{k}': v
                                                              for k, v in deep.items()})
    wide = dict(resnet50, **{'conv1.weight': torch.zeros(128, 3, 7, 7)})  # e.g. RN50-w2 stem
    assert 'of another shape' in _refused(tmp_path, capsys, obj=wide)
    swav = dict({f'module.{k}': v for k, v in resnet50.items()}, **_heads('module.'))
    err = _refused(tmp_path, capsys, obj=swav, args=('--selfsup', 'moco'))
    assert 'this is a swav checkpoint' in err
    # a ResNet-18 is accepted when asked for
    src = tmp_path / 'r18.pth'
    torch.save(r18, src)
    assert convert_tool.main([str(src), str(tmp_path / 'o18.pth'), '--arch', 'resnet18']) == 0
