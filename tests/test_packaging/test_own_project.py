# Copyright (c) mmswav contributors. All rights reserved.
"""A user's own project, in a folder outside the repository, against the installed wheel, on
CPU: the configs of README "Use mmswav in your own project" train 2 iterations each.

- SwAV pretraining (``_base_ = 'mmswav::swav/...'``) through mmswav's packaged
  ``tools/train.py`` (``python -m mmswav.launch mmswav::tools/train.py``);
- its new-style twin (``from mmswav.configs... import *``) through mmseg's own
  ``tools/train.py``, unchanged: ``read_base`` needs no registration;
- Faster R-CNN (``mmswav::benchmarks/mmdetection/raccoon/...``) from the checkpoint of the
  first run, converted to mmdet's ResNet keys, through mmdet's own
  ``tools/train.py`` (``python -m mmswav.launch mmdet::tools/train.py``);
- FCN (``mmswav::benchmarks/mmsegmentation/voc12aug/...``) through mmseg's ``tools/train.py``;
- ``mim train mmswav CONFIG`` when openmim is installed.

Faults caught: no ``.mim`` tools or configs in the wheel, ``import mmswav`` not registering
``mmswav::``, the launcher not importing mmswav first, mmengine's ``_scope_`` on
``collate_fn`` (``mmswav.default_collate``) or on the detection dataset (``_scope_='mmdet'``),
the converted checkpoint not loaded through the inherited ``init_cfg``, new-style configs
missing from the package.
"""
import importlib.util
import math
import re
from pathlib import Path

import pytest
import torch

from . import own_project
from .scratch_install import Outside, find_outside, write_images

LOSS = re.compile(r'\[(\d+)/(\d+)\].* loss: ([-\d.naif]+)')
LOADED = re.compile(r'Loads checkpoint by \w+ backend from path: swav_r50_mmdet\.pth')


def iterations(log: str, total: int) -> None:
    """The log shows ``total`` iterations with finite losses."""
    steps = [(int(m.group(1)), float(m.group(3))) for m in LOSS.finditer(log)]
    assert steps and steps[-1][0] == total, log[-3000:]
    assert all(math.isfinite(loss) for _, loss in steps), steps


def mim_tool(package: str, tool: str = 'tools/train.py') -> Path:
    """``<package>/.mim/<tool>`` of an installed OpenMMLab package (skip when absent)."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        pytest.skip(f'{package} is not installed (bash tools/install.sh --transfer)')
    path = Path(list(spec.submodule_search_locations)[0]) / '.mim' / tool
    if not path.is_file():
        pytest.skip(f'{path} is absent ({package} installed without its .mim)')
    return path


@pytest.fixture(scope='module')
def project(tmp_path_factory) -> Path:
    """The project folder: 4 images, the README's configs."""
    root = tmp_path_factory.mktemp('my_project')
    write_images(root / 'my_images', 4)
    (root / 'pretrain.py').write_text(own_project.PRETRAIN)
    (root / 'pretrain_new_style.py').write_text(own_project.PRETRAIN_NEW_STYLE)
    (root / 'detection.py').write_text(own_project.DETECTION)
    (root / 'detection_tiny.py').write_text(own_project.TINY_DETECTION)
    (root / 'segmentation_tiny.py').write_text(own_project.TINY_SEGMENTATION)
    return root


# test size: one epoch of 2 iterations, in the main process, a log line each
CPU = ['--cfg-options', 'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
       'train_dataloader.persistent_workers=False', 'default_hooks.logger.interval=1',
       'train_cfg.max_epochs=1']


@pytest.fixture(scope='module')
def pretrained(outside: Outside, project: Path) -> Path:
    """Pretraining through the packaged tools/train.py: its last checkpoint."""
    out = outside.run(['-m', 'mmswav.launch', 'mmswav::tools/train.py', 'pretrain.py',
                       '--sync-bn-to-bn', '--work-dir', 'work_pretrain', *CPU], project)
    iterations(out.stdout + out.stderr, 2)
    (project / 'pretrain_output.log').write_text(out.stdout + out.stderr)
    return project / 'work_pretrain' / 'epoch_1.pth'


@pytest.fixture(scope='module')
def converted(project: Path, pretrained: Path) -> Path:
    """The pretrained backbone as mmdet / mmseg ResNet weights (what the packaged
    ``selfsup2mmdet.py`` writes; converted here, in this process, to save a start-up)."""
    from mmswav.apis import convert_checkpoint
    backbone, _, _ = convert_checkpoint(str(pretrained), 'swav', 'resnet50', verbose=False)
    torch.save(dict(state_dict=backbone), project / 'swav_r50_mmdet.pth')
    return project / 'swav_r50_mmdet.pth'


def test_pretrain_with_mmswav_launcher(project: Path, pretrained: Path):
    state = torch.load(pretrained, map_location='cpu', weights_only=False)['state_dict']
    assert state['head.prototypes.weight'].shape == (3000, 128)  # the inherited recipe
    assert 'backbone.layer4.2.conv3.weight' in state
    # the closing "Next steps" name tools that exist from here (the wheel's .mim copies),
    # not the repository's relative tools/... paths
    summary = (project / 'pretrain_output.log').read_text().split('Next steps:')[-1]
    tools = re.findall(r'python (\S+\.py)', summary)
    assert len(tools) == 3, summary
    assert all((project / tool).is_file() for tool in tools), tools


def test_new_style_config_with_mmseg_train_py(outside: Outside, project: Path):
    train_py = mim_tool('mmseg')
    out = outside.run([train_py, 'pretrain_new_style.py', '--work-dir', 'work_new', *CPU],
                      project)
    iterations(out.stdout + out.stderr, 2)
    assert (project / 'work_new' / 'epoch_1.pth').is_file()


def test_detection_from_converted_checkpoint_with_mmdet_train_py(
        outside: Outside, project: Path, converted: Path, raccoon_root: Path):
    mim_tool('mmdet')
    data = project / 'raccoon'
    data.mkdir(exist_ok=True)
    for name in ('images', 'annotations'):
        if not (data / name).exists():
            (data / name).symlink_to(raccoon_root / name)
    ids = sorted((p.stem for p in (raccoon_root / 'annotations').glob('*.xml')),
                 key=lambda s: int(s.split('-')[-1]))
    (data / 'train.txt').write_text('\n'.join(ids[:4]) + '\n')
    (data / 'val.txt').write_text('\n'.join(ids[-2:]) + '\n')
    out = outside.run(['-m', 'mmswav.launch', 'mmdet::tools/train.py', 'detection_tiny.py',
                       '--work-dir', 'work_det'], project)
    log = out.stdout + out.stderr
    iterations(log, 2)
    assert len(LOADED.findall(log)) == 2, log[-3000:]  # backbone and res5 RoI head
    # the converted weights are the detector's start: after 2 warm-up steps conv1 is within
    # 1 % of them (another initialisation would be ~100 % away)
    start = torch.load(converted, map_location='cpu')['state_dict']['conv1.weight']
    trained = torch.load(project / 'work_det' / 'iter_2.pth', map_location='cpu',
                         weights_only=False)['state_dict']['backbone.conv1.weight']
    assert float((trained - start).norm() / start.norm()) < 0.01


def test_segmentation_with_mmseg_train_py(outside: Outside, project: Path, converted: Path,
                                          labelme_root: Path):
    mim_tool('mmseg')
    voc = labelme_root / 'semantic_segmentation' / 'data_dataset_voc'
    data = project / 'voc_seg'
    data.mkdir(exist_ok=True)
    for name in ('JPEGImages', 'SegmentationClass'):
        if not (data / name).exists():
            (data / name).symlink_to(voc / name)
    (data / 'ids.txt').write_text(
        '\n'.join(sorted(p.stem for p in (voc / 'JPEGImages').glob('*.jpg'))) + '\n')
    out = outside.run(['-m', 'mmswav.launch', 'mmseg::tools/train.py', 'segmentation_tiny.py',
                       '--work-dir', 'work_seg'], project)
    log = out.stdout + out.stderr
    iterations(log, 2)
    assert len(LOADED.findall(log)) == 1, log[-3000:]


def test_mim_train(outside: Outside, project: Path):
    """``mim train mmswav CONFIG``: openmim runs the wheel's ``.mim/tools/train.py``."""
    if importlib.util.find_spec('mim') is None:
        pytest.skip('openmim is not installed: pip install --no-deps openmim==0.3.9 && '
                    "pip install colorama tabulate 'pandas<3' requests (docs/own_project.md)")
    runner = Outside(outside.site, [find_outside('mim')])
    out = runner.run(['-m', 'mim', 'train', 'mmswav', 'pretrain.py', '--gpus', '0',
                      '--work-dir', 'work_mim', '--sync-bn-to-bn', *CPU], project)
    log = out.stdout + out.stderr
    assert 'Training finished successfully' in log
    assert str(outside.site / 'mmswav' / '.mim' / 'tools' / 'train.py') in log
    iterations(log, 2)
