# Copyright (c) mmswav contributors. All rights reserved.
"""Released weights by name, offline: local files stand in for the URLs (file://), the torch
hub cache is a temporary folder; a wrong hash is refused with the expected and found values.
Wide ResNet-50s (official RN50-w2/w4/w5 layout) convert and load strictly into mmdet's ResNet."""
import functools
import hashlib
from pathlib import Path

import pytest
import torch

from mmswav.apis import get_model, list_models, model_info, model_zoo
from mmswav.apis.resnet_keys import check_resnet, expected_shapes

REPO = Path(__file__).resolve().parents[2]
R50 = 'swav_resnet50_64xb64-mcrop-2-6-coslr-800e_in1k-224-96'


def official_state(widen: int = 1, seed: int = 0) -> dict:
    """A facebookresearch/swav-style file: ``module.`` + torchvision keys, head included."""
    shapes = expected_shapes('resnet50' if widen == 1 else f'resnet50w{widen}')
    gen = torch.Generator().manual_seed(seed)
    state = {f'module.{k}': torch.randn(s, generator=gen) for k, s in shapes.items()}
    state['module.projection_head.0.weight'] = torch.randn(8, 2048 * widen, generator=gen)
    state['module.prototypes.weight'] = torch.randn(3, 8, generator=gen)
    return state


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """An empty torch hub cache and a metafile whose URLs point at local files."""
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    return tmp_path


def test_metafile_lists_the_released_weights():
    names = list_models()
    official = [n for n in names if 'dl.fbaipublicfiles.com' in model_info(n)['Weights']]
    assert len(official) == 10  # 7 ResNet-50 + RN50-w2/w4/w5 of the official model zoo
    assert model_info(R50)['Weights'].endswith('/swav_800ep_pretrain.pth.tar')
    for name in names:
        info = model_info(name)
        assert Path(info['Config']).is_file(), name
        top1 = info['Results'][0]['Metrics']['Linear Top 1 Accuracy (published)']
        assert 60 < top1 < 80, name
    with pytest.raises(KeyError, match=R50):  # the message lists the known names
        model_info('swav_no_such_model')


def test_pretrained_by_name_downloads_once_and_loads_the_backbone(hub, monkeypatch):
    src = hub / 'swav_800ep_pretrain.pth.tar'
    state = official_state()
    torch.save(state, src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    info = dict(model_info(R50), Weights=src.as_uri())
    info['Weights SHA256'] = digest[:8]
    monkeypatch.setattr(model_zoo, 'model_info', lambda name: dict(info))
    model = get_model(R50, pretrained=True)
    cached = hub / 'hub' / 'checkpoints' / 'swav_800ep_pretrain.pth.tar'
    assert cached.is_file()
    for key in ('conv1.weight', 'layer4.2.bn3.running_var'):
        torch.testing.assert_close(model.backbone.state_dict()[key], state[f'module.{key}'])
    src.unlink()  # a second call uses the cache, no download
    get_model(R50, pretrained=True)


def test_wrong_hash_is_refused_with_expected_and_found(hub):
    src = hub / 'weights.pth'
    torch.save({'x': torch.zeros(3)}, src)
    found = hashlib.sha256(src.read_bytes()).hexdigest()
    with pytest.raises(ValueError) as error:
        model_zoo.download_weights(src.as_uri(), sha256='deadbeef')
    assert 'expected deadbeef' in str(error.value) and f'found {found}' in str(error.value)
    cached = hub / 'hub' / 'checkpoints' / 'weights.pth'
    assert model_zoo.download_weights(src.as_uri(), sha256=found) == str(cached)
    assert cached.read_bytes() == src.read_bytes()  # the file itself, downloaded
    other = hub / 'other.pth'
    torch.save({'y': torch.ones(2)}, other)
    path = model_zoo.download_weights(other.as_uri(), sha256=None)  # no hash: no check
    assert path == str(hub / 'hub' / 'checkpoints' / 'other.pth')
    assert Path(path).read_bytes() == other.read_bytes()


def test_pretrained_needs_a_name():
    cfg = str(REPO / 'configs/swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py')
    with pytest.raises(ValueError, match='needs a model name'):
        get_model(cfg, pretrained=True)


@pytest.mark.parametrize('widen', [2, 4, 5])
def test_wide_shapes_match_mmpretrain_resnet(widen, monkeypatch):
    """Every key and shape of the scaled torchvision layout is that of mmpretrain's ResNet
    of the same widths (an independent construction), so the configs' backbones load the
    official files. Built on the meta device (no memory): mmpretrain's drop-path schedule
    calls ``linspace(...).item()``, so that one runs on the CPU."""
    from mmpretrain.models import ResNet
    expected = expected_shapes(f'resnet50w{widen}')
    monkeypatch.setattr(torch, 'linspace', functools.partial(torch.linspace, device='cpu'))
    with torch.device('meta'):
        model = ResNet(depth=50, stem_channels=64 * widen, base_channels=64 * widen)
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()
           if not k.endswith('num_batches_tracked')}
    assert len(got) == 265 and got['layer4.2.conv3.weight'] == (2048 * widen, 512 * widen, 1, 1)
    assert got == expected


def test_wide_official_file_converts_and_loads_strictly_into_mmdet(tmp_path):
    mmdet = pytest.importorskip('mmdet')  # noqa: F841  (transfer install)
    from mmdet.models import ResNet as DetResNet

    from mmswav.apis import convert_checkpoint
    src = tmp_path / 'swav_RN50w2_400ep_pretrain.pth.tar'
    torch.save(official_state(widen=2), src)
    backbone, layout, dropped = convert_checkpoint(str(src), arch='resnet50w2', verbose=False)
    assert layout == 'swav' and len(dropped) == 2
    det = DetResNet(depth=50, stem_channels=128, base_channels=128)
    result = det.load_state_dict(backbone, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    with pytest.raises(ValueError, match='resnet50w2'):  # named when the arch is wrong
        check_resnet(backbone, 'resnet50', source=str(src))
