# Copyright (c) mmswav contributors. All rights reserved.
"""Every benchmark config loads from its ``mmdet::`` / ``mmseg::`` base, carries the transfer
changes, builds in its own scope, and its Pretrained init loads a converted SwAV ResNet-50
with every backbone weight (strict)."""
from pathlib import Path

import pytest
import torch

from mmswav.apis.downstream import prepare_cfg, register_codebase, set_pretrained

from .downstream_smoke import BENCH, restore_default_scope

CONFIGS = {
    'mmdetection/voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py': ('mmdet', 2),
    'mmdetection/raccoon/faster-rcnn_r50-c4_1xb2-100it_raccoon.py': ('mmdet', 2),
    'mmdetection/coco/mask-rcnn_r50_fpn_1x_coco.py': ('mmdet', 1),
    'mmdetection/coco/mask-rcnn_r50_fpn_ms-2x_coco.py': ('mmdet', 1),
    'mmsegmentation/voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py': ('mmseg', 1),
    'mmsegmentation/cityscapes/fcn_r50-d8_4xb2-40k_cityscapes-512x1024.py': ('mmseg', 1),
}


def test_every_config_is_listed():
    found = {str(p.relative_to(BENCH)) for p in BENCH.glob('mm*/**/*.py')}
    assert found == set(CONFIGS)

pytestmark = pytest.mark.usefixtures(restore_default_scope.__name__)


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """A converted checkpoint: bare ResNet-50 keys of a random torchvision model."""
    import torchvision
    torch.manual_seed(0)
    state = {k: v for k, v in torchvision.models.resnet50().state_dict().items()
             if not k.startswith('fc.')}
    path = tmp_path_factory.mktemp('ckpt') / 'swav_r50.pth'
    torch.save(dict(state_dict=state), path)
    return path, state


@pytest.mark.parametrize('config', sorted(CONFIGS))
def test_config_builds_and_loads(config, converted, tmp_path):
    codebase, num_pretrained = CONFIGS[config]
    path, state = converted
    raw = prepare_cfg(str(BENCH / config))
    backbone = raw.model.backbone
    assert raw.default_scope == codebase
    assert backbone.type == 'ResNet' and backbone.depth == 50  # plain stem, not ResNetV1c
    assert backbone.norm_cfg.type == 'SyncBN' and backbone.norm_eval is False
    assert backbone.get('frozen_stages', -1) == -1  # nothing frozen (mmdet 0 = stem frozen)
    assert raw.model.get('pretrained') is None
    if codebase == 'mmdet':  # ImageNet RGB normalisation, as SwAV was trained
        assert raw.model.data_preprocessor.bgr_to_rgb is True
        assert list(raw.model.data_preprocessor.mean) == [123.675, 116.28, 103.53]
    # the CPU switch and the checkpoint, as the launcher sets them
    cfg = prepare_cfg(str(BENCH / config), str(path), str(tmp_path), sync_bn_to_bn=True)
    assert 'SyncBN' not in cfg.pretty_text
    assert set_pretrained(cfg.model, str(path)) == num_pretrained
    register_codebase(codebase)
    if codebase == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmseg.registry import MODELS
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert not hasattr(model.backbone, 'stem')
    loaded = dict(model.backbone.state_dict())
    if num_pretrained == 2:  # R50-C4: res5 (layer4) is the RoI head, initialised too
        loaded.update(model.roi_head.shared_head.state_dict())
    assert set(loaded) == set(state)  # every ResNet-50 weight, nothing unexpected
    differ = [k for k, v in loaded.items()
              if not k.endswith('num_batches_tracked') and not torch.equal(v, state[k])]
    assert not differ, differ[:3]


def test_prepare_cfg_refuses_missing_checkpoint(tmp_path):
    config = str(BENCH / sorted(CONFIGS)[0])
    with pytest.raises(FileNotFoundError, match='selfsup2mmdet'):
        prepare_cfg(config, str(tmp_path / 'nope.pth'))
    assert Path(config).is_file()
