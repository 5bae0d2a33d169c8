# Copyright (c) mmswav contributors. All rights reserved.
"""selfsup2mmdet.py tells a backbone no mmdet ResNet can hold (the quick start's CIFAR-stem,
width-16 ResNet-18) from a wrong --arch, and points to extract_backbone_weights.py (which
works); through the real command line."""
import os
import subprocess
import sys
from pathlib import Path

import torch
from mmengine.config import Config

from mmswav.registry import MODELS

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / 'configs/swav' / (
    'swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py')


def run(tool, *argv):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, str(REPO / 'tools/model_converters' / tool),
                           *map(str, argv)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def save_model(cfg, path):
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=8)), path)
    return model


def test_cifar_stem_backbone_points_to_extract_backbone_weights(tmp_path):
    model = save_model(Config.fromfile(str(QUICKSTART)), tmp_path / 'epoch_8.pth')
    for arch in ('resnet18', 'resnet50'):
        out = run('selfsup2mmdet.py', tmp_path / 'epoch_8.pth', tmp_path / 'mmdet.pth',
                  '--arch', arch)
        assert out.returncode == 1 and not (tmp_path / 'mmdet.pth').exists()
        assert f'not a plain-stem {arch}' in out.stderr
        assert 'No --arch fits' in out.stderr and 'CIFAR stem (3x3 conv1, 16 channels' \
            in out.stderr
        assert 'tools/model_converters/extract_backbone_weights.py' in out.stderr
    out = run('extract_backbone_weights.py', tmp_path / 'epoch_8.pth', tmp_path / 'bb.pth')
    assert out.returncode == 0, out.stderr
    saved = torch.load(tmp_path / 'bb.pth', weights_only=False)['state_dict']
    want = {f'backbone.{k}': v for k, v in model.backbone.state_dict().items()}
    assert saved.keys() == want.keys()
    assert all(torch.equal(saved[k], want[k]) for k in want)


def test_plain_resnet_with_wrong_arch_names_the_right_one(tmp_path):
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/swav_resnet50.py'))
    cfg.model.backbone.depth = 18
    cfg.model.neck.update(in_channels=512, hid_channels=32, out_channels=16)
    cfg.model.head.update(feat_dim=16, num_prototypes=10)
    save_model(cfg, tmp_path / 'r18.pth')
    out = run('selfsup2mmdet.py', tmp_path / 'r18.pth', tmp_path / 'o.pth', '--arch', 'resnet50')
    assert out.returncode == 1
    assert 'It is a resnet18: pass --arch resnet18' in out.stderr
    out = run('selfsup2mmdet.py', tmp_path / 'r18.pth', tmp_path / 'o.pth', '--arch', 'resnet18')
    assert out.returncode == 0, out.stderr
