# Copyright (c) mmswav contributors. All rights reserved.
"""Smoke runs of the mmseg benchmark configs on real data, on CPU, from a converted mmswav
checkpoint: FCN R50-D8 on the labelme VOC segmentation examples and on a Cityscapes-layout copy
of them. Tiny scales and a few iterations: the loss on a fixed batch falls, test prints mIoU."""
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from .downstream_smoke import (
    REPO,
    make_converted_checkpoint,
    restore_default_scope,
    smoke_run,
    tiny_cfg,
)

SCALE = (160, 128)  # (w, h)

pytestmark = pytest.mark.usefixtures(restore_default_scope.__name__)


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    return make_converted_checkpoint(tmp_path_factory.mktemp('ckpt'))


def _pipelines():
    train = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='Resize', scale=SCALE, keep_ratio=False),
        dict(type='PackSegInputs')
    ]
    test = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=SCALE, keep_ratio=False),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ]
    return train, test


def _edit(dataset: dict, num_classes: int):
    train_pipe, test_pipe = _pipelines()

    def edit(cfg: Config) -> None:
        cfg.model.data_preprocessor.size = SCALE[::-1]  # (h, w) padding target
        cfg.model.decode_head.num_classes = num_classes
        cfg.model.auxiliary_head.num_classes = num_classes
        loader = dict(num_workers=0, persistent_workers=False, batch_size=2,
                      sampler=dict(type='DefaultSampler', shuffle=True))
        cfg.train_dataloader = dict(loader, dataset=dict(dataset, pipeline=train_pipe))
        cfg.test_dataloader = dict(loader, batch_size=1,
                                   sampler=dict(type='DefaultSampler', shuffle=False),
                                   dataset=dict(dataset, pipeline=test_pipe))
        cfg.test_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
        cfg.test_cfg = dict(type='TestLoop')
    return edit


def miou(samples: list, num_classes: int, ignore_index: int = 255) -> float:
    """mIoU (%) of the predicted maps against the ground-truth maps, by a confusion matrix in
    numpy: per class intersection / union over the whole test set, classes that never occur
    (union 0) left out."""
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)  # [gt, pred]
    for sample in samples:
        gt = sample.gt_sem_seg.data.squeeze(0).numpy().ravel()
        pred = sample.pred_sem_seg.data.squeeze(0).numpy().ravel()
        keep = gt != ignore_index
        confusion += np.bincount(gt[keep] * num_classes + pred[keep],
                                 minlength=num_classes ** 2).reshape(num_classes, num_classes)
    inter = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - inter
    return 100 * float(np.mean(inter[union > 0] / union[union > 0]))


def _check(metrics: dict, samples: list, num_classes: int, num_images: int) -> None:
    """mmseg's mIoU equals the one computed here from the same predictions, which is strictly
    between 0 and 100; every test image was predicted."""
    assert len(samples) == num_images
    expected = miou(samples, num_classes)
    assert 0 < expected < 100, expected
    assert metrics['mIoU'] == pytest.approx(expected, abs=0.006)  # mmseg rounds to 0.01


def test_fcn_labelme_voc(labelme_root: Path, converted, tmp_path):
    ckpt, backbone = converted
    root = labelme_root / 'semantic_segmentation' / 'data_dataset_voc'
    ids = sorted(p.stem for p in (root / 'JPEGImages').glob('*.jpg'))
    (tmp_path / 'ids.txt').write_text('\n'.join(ids) + '\n')
    dataset = dict(type='PascalVOCDataset', data_root=str(root),
                   data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
                   ann_file=str(tmp_path / 'ids.txt'))
    cfg = tiny_cfg('mmsegmentation/voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py', ckpt,
                   tmp_path / 'work', _edit(dataset, 21), max_iters=3)
    samples = []
    _check(smoke_run('mmseg', cfg, backbone, samples=samples), samples, 21, len(ids))


def test_fcn_cityscapes_layout(labelme_root: Path, converted, tmp_path):
    """The labelme photos rewritten as Cityscapes (``leftImg8bit`` PNGs and
    ``gtFine_labelTrainIds`` maps: VOC classes 0-18 kept, the rest ignored)."""
    ckpt, backbone = converted
    src = labelme_root / 'semantic_segmentation' / 'data_dataset_voc'
    city = tmp_path / 'cityscapes'
    for split in ('leftImg8bit/train/labelme', 'gtFine/train/labelme'):
        (city / split).mkdir(parents=True)
    for jpg in sorted((src / 'JPEGImages').glob('*.jpg')):
        name = f'labelme_{jpg.stem.replace("_", "")}_000019'
        Image.open(jpg).convert('RGB').save(city / 'leftImg8bit/train/labelme' /
                                            f'{name}_leftImg8bit.png')
        label = np.array(Image.open(src / 'SegmentationClass' / f'{jpg.stem}.png'))
        label = np.where(label < 19, label, 255).astype(np.uint8)
        Image.fromarray(label).save(city / 'gtFine/train/labelme' /
                                    f'{name}_gtFine_labelTrainIds.png')
    dataset = dict(type='CityscapesDataset', data_root=str(city),
                   data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'))
    cfg = tiny_cfg('mmsegmentation/cityscapes/fcn_r50-d8_4xb2-40k_cityscapes-512x1024.py',
                   ckpt, tmp_path / 'work', _edit(dataset, 19), max_iters=3)
    samples = []
    _check(smoke_run('mmseg', cfg, backbone, samples=samples), samples, 19,
           len(list((src / 'JPEGImages').glob('*.jpg'))))


def test_launcher_test_only(labelme_root: Path, converted, tmp_path, monkeypatch, capsys):
    """``tools/benchmarks/mmsegmentation/train.py`` as a user runs it (``--test-only``, the CPU
    switch and ``--cfg-options`` pointing the VOC config at the labelme examples)."""
    ckpt, _ = converted
    root = labelme_root / 'semantic_segmentation' / 'data_dataset_voc'
    ids = tmp_path / 'ids.txt'
    ids.write_text('\n'.join(sorted(p.stem for p in (root / 'JPEGImages').glob('*.jpg'))))
    config = 'configs/benchmarks/mmsegmentation/voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'
    argv = [str(REPO / config), str(ckpt), '--test-only', '--sync-bn-to-bn',
            '--work-dir', str(tmp_path / 'work'), '--cfg-options',
            f'test_dataloader.dataset.data_root={root}', f'test_dataloader.dataset.ann_file={ids}',
            'test_dataloader.dataset.pipeline.1.scale=(160,128)',
            'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
    monkeypatch.setattr(sys, 'argv', ['train.py'] + argv)
    runpy.run_path(str(REPO / 'tools/benchmarks/mmsegmentation/train.py'), run_name='__main__')
    out = capsys.readouterr().out
    assert 'test metrics:' in out and 'mIoU' in out
    dumped = (tmp_path / 'work' / Path(config).name).read_text()  # the config the Runner used
    assert 'SyncBN' not in dumped and str(ckpt) in dumped
