# Copyright (c) mmswav contributors. All rights reserved.
"""``mmswav.apis``: build from config + checkpoint (path, URL, official SwAV layout) and
extract per-stage features, checked against torchvision's ResNet with the same weights."""
import functools
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import save_checkpoint
from PIL import Image

from mmswav.apis import extract_features, get_model, load_images

REPO = Path(__file__).resolve().parents[2]


def _small_cfg() -> Config:
    """The SwAV ResNet-50 model config shrunk to ResNet-18 (fast)."""
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/swav_resnet50.py'))
    cfg.model.backbone.depth = 18
    cfg.model.neck.update(in_channels=512, hid_channels=64, out_channels=32)
    cfg.model.head.update(feat_dim=32, num_prototypes=50)
    return cfg


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A SwAV model with non-trivial weights and BN statistics, saved as mmengine does."""
    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    cfg = _small_cfg()
    with DefaultScope.overwrite_default_scope('mmswav'):
        model = MODELS.build(cfg.model)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
    root = tmp_path_factory.mktemp('api')
    cfg_path = root / 'swav_r18.py'
    cfg.dump(str(cfg_path))
    ckpt = root / 'epoch_1.pth'
    save_checkpoint(dict(meta=dict(epoch=1), state_dict=model.state_dict()), str(ckpt))
    return cfg_path, ckpt, model.state_dict()


def _assert_same(model, state):
    differ = [k for k, v in model.state_dict().items() if not torch.equal(v, state[k])]
    assert not differ, differ[:3]


def test_get_model_from_path(trained):
    cfg_path, ckpt, state = trained
    model = get_model(str(cfg_path), str(ckpt))
    assert not model.training
    _assert_same(model, state)


def test_get_model_from_url(trained, tmp_path, monkeypatch):
    cfg_path, ckpt, state = trained
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))  # the download cache
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(ckpt.parent))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f'http://127.0.0.1:{server.server_address[1]}/{ckpt.name}'
        model = get_model(str(cfg_path), url)
    finally:
        server.shutdown()
        server.server_close()
    _assert_same(model, state)


def test_get_model_official_swav_layout(trained, tmp_path):
    """A facebookresearch/swav file (``module.*`` + heads) fills the backbone, strictly."""
    cfg_path, _, state = trained
    official = {f'module.{k[9:]}': v for k, v in state.items() if k.startswith('backbone.')}
    official['module.prototypes.weight'] = torch.randn(50, 32)
    torch.save(official, tmp_path / 'swav_800ep_pretrain.pth.tar')
    model = get_model(str(cfg_path), str(tmp_path / 'swav_800ep_pretrain.pth.tar'))
    _assert_same(model.backbone, {k[9:]: v for k, v in state.items()
                                  if k.startswith('backbone.')})
    # an mmpretrain 1.x SwAV checkpoint (other head keys) fills the backbone too
    mmpretrain = {k: v for k, v in state.items() if k.startswith(('backbone.', 'neck.'))}
    mmpretrain['head.loss_module.prototypes.weight'] = torch.randn(50, 32)
    torch.save(dict(meta=dict(mmengine_version='0.10.7'), state_dict=mmpretrain),
               tmp_path / 'mmpretrain.pth')
    model = get_model(str(cfg_path), str(tmp_path / 'mmpretrain.pth'))
    _assert_same(model.backbone, {k[9:]: v for k, v in state.items()
                                  if k.startswith('backbone.')})
    broken = dict(official)
    del broken['module.layer4.1.conv2.weight']
    torch.save(broken, tmp_path / 'broken.pth')
    with pytest.raises(RuntimeError, match='layer4.1.conv2.weight'):
        get_model(str(cfg_path), str(tmp_path / 'broken.pth'))


def test_extract_features_match_torchvision(trained):
    """Per-stage maps and pooled features equal torchvision's ResNet-18 with the same weights
    on the same normalised input (an independent forward)."""
    cfg_path, ckpt, state = trained
    model = get_model(str(cfg_path), str(ckpt))
    ref = torchvision.models.resnet18()
    ref.load_state_dict({k[9:]: v for k, v in state.items() if k.startswith('backbone.')},
                        strict=False)
    ref.eval()
    torch.manual_seed(1)
    images = torch.rand(2, 3, 96, 80) * 255  # RGB, 0-255
    # the official SwAV normalisation (facebookresearch/swav src/multicropdataset.py)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255
    std = torch.tensor([0.228, 0.224, 0.225]).view(1, 3, 1, 1) * 255
    with torch.no_grad():
        x = ref.maxpool(ref.relu(ref.bn1(ref.conv1((images - mean) / std))))
        expected = []
        for layer in (ref.layer1, ref.layer2, ref.layer3, ref.layer4):
            x = layer(x)
            expected.append(x)
    maps = extract_features(model, images, stages='all', pool=False)
    assert [tuple(m.shape) for m in maps] == [(2, 64, 24, 20), (2, 128, 12, 10),
                                              (2, 256, 6, 5), (2, 512, 3, 3)]
    for got, want in zip(maps, expected):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
    pooled = extract_features(model, images)  # default: last stage, pooled
    assert len(pooled) == 1
    torch.testing.assert_close(pooled[0], expected[-1].mean(dim=(2, 3)), rtol=1e-4, atol=1e-4)
    (picked, ) = extract_features(model, (images - mean) / std, stages=[1], normalized=True)
    torch.testing.assert_close(picked, expected[1].mean(dim=(2, 3)), rtol=1e-4, atol=1e-4)
    assert model.backbone.out_indices == (3, )  # restored


def test_extract_features_images(trained, tmp_path):
    cfg_path, ckpt, _ = trained
    model = get_model(str(cfg_path), str(ckpt))
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (300, 260, 3), dtype=np.uint8),
              rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)]
    paths = []
    for i, array in enumerate(arrays):
        paths.append(str(tmp_path / f'{i}.png'))
        Image.fromarray(array).save(paths[-1])
    batch = load_images(paths)
    assert batch.shape == (2, 3, 224, 224)
    torch.testing.assert_close(batch, load_images(arrays))
    feats = extract_features(model, paths, stages='all')
    assert [tuple(f.shape) for f in feats] == [(2, 64), (2, 128), (2, 256), (2, 512)]
    torch.testing.assert_close(feats[-1], extract_features(model, batch)[0])
    with pytest.raises(ValueError, match=r'\[N, 3, H, W\]'):
        extract_features(model, torch.zeros(3, 32, 32))
    with pytest.raises(FileNotFoundError, match='missing.png'):
        load_images([str(tmp_path / 'missing.png')])
    with pytest.raises(ValueError, match='can not read an RGB image'):
        load_images([arrays[0][..., 0]])  # grey [H, W]
