# Copyright (c) mmswav contributors. All rights reserved.
"""Every config under configs/ loads with ``Config.fromfile`` and its model builds on CPU
(SyncBN replaced by BN); classification benchmarks also run a loss and a predict step.

mmdetection / mmsegmentation configs are built in their own registries and scope.
"""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmswav.utils import replace_sync_bn

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)


def test_configs_found():
    names = {p.relative_to(REPO / 'configs').as_posix() for p in CONFIGS}
    assert 'swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py' in names
    assert any(n.startswith('benchmarks/classification/') for n in names)


def build_in_scope(cfg: Config):
    """Build ``cfg.model`` with the registry of the config's library."""
    path = cfg.filename
    if '/mmdetection/' in path:
        pytest.importorskip('mmdet')
        from mmdet.registry import MODELS
        from mmdet.utils import register_all_modules
        scope = 'mmdet'
    elif '/mmsegmentation/' in path:
        pytest.importorskip('mmseg')
        from mmseg.registry import MODELS
        from mmseg.utils import register_all_modules
        scope = 'mmseg'
    else:
        from mmswav.registry import MODELS
        from mmswav.utils import register_all_modules
        scope = 'mmswav'
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.relative_to(REPO / 'configs').as_posix())
def test_config_builds(path):
    cfg = Config.fromfile(str(path))
    replace_sync_bn(cfg._cfg_dict)
    assert 'SyncBN' not in cfg.pretty_text
    model = build_in_scope(cfg)
    assert isinstance(model, torch.nn.Module)
    assert sum(p.numel() for p in model.parameters()) > 0
    if '/benchmarks/' in path.as_posix():
        # every benchmark starts from a checkpoint through the backbone's init_cfg
        init_cfg = cfg.model.backbone.get('init_cfg')
        assert init_cfg is not None and init_cfg['type'] == 'Pretrained', path.name
    if '/benchmarks/classification/' in path.as_posix():
        run_classifier(cfg, model)


def run_classifier(cfg: Config, model) -> None:
    """One loss and one predict step on two 64 px images: the head, neck and backbone fit."""
    from mmpretrain.structures import DataSample
    num_classes = cfg.model.head.num_classes
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(2)]
    inputs = torch.rand(2, 3, 64, 64)
    model.train()
    losses = model(inputs, samples, mode='loss')
    assert losses and all(torch.isfinite(v) for v in losses.values())
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if cfg.model.backbone.get('frozen_stages', -1) == 4:  # linear probes: only the head learns
        assert trainable and all(n.startswith('head.') for n in trainable), trainable
    model.eval()
    with torch.no_grad():
        preds = model(inputs, [DataSample() for _ in range(2)], mode='predict')
    assert preds[0].pred_score.shape == (num_classes, )
