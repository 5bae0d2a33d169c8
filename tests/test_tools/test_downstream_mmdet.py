# Copyright (c) mmswav contributors. All rights reserved.
"""Smoke runs of the mmdet benchmark configs on real data, on CPU, from a converted mmswav
checkpoint: Faster R-CNN R50-C4 on the raccoon VOC set, Mask R-CNN R50-FPN on the labelme COCO
examples. Tiny scales and a few iterations: the loss on a fixed batch falls, test prints mAP."""
import json
import math
from pathlib import Path

import pytest
from mmengine.config import Config

from .downstream_smoke import make_converted_checkpoint, restore_default_scope, smoke_run, tiny_cfg

pytestmark = pytest.mark.usefixtures(restore_default_scope.__name__)


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    return make_converted_checkpoint(tmp_path_factory.mktemp('ckpt'))


def _det_pipelines(scale, with_mask=False):
    train = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True, with_mask=with_mask),
        dict(type='Resize', scale=scale, keep_ratio=True),
        dict(type='PackDetInputs')
    ]
    test = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=scale, keep_ratio=True),
        dict(type='LoadAnnotations', with_bbox=True, with_mask=with_mask),
        dict(type='PackDetInputs',
             meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
    ]
    return train, test


def _loader(dataset, batch_size, shuffle):
    return dict(batch_size=batch_size, num_workers=0, persistent_workers=False,
                sampler=dict(type='DefaultSampler', shuffle=shuffle),
                batch_sampler=None, dataset=dataset)


def test_faster_rcnn_c4_raccoon(raccoon_root: Path, converted, tmp_path):
    ckpt, backbone = converted
    ids = sorted(p.stem for p in (raccoon_root / 'annotations').glob('*.xml'))[:4]
    (tmp_path / 'ids.txt').write_text('\n'.join(ids) + '\n')
    train_pipe, test_pipe = _det_pipelines((256, 160))
    dataset = dict(type='VOCDataset', data_root=str(raccoon_root),
                   ann_file=str(tmp_path / 'ids.txt'), data_prefix=dict(sub_data_root=''),
                   img_subdir='images',
                   ann_subdir='annotations', metainfo=dict(classes=('raccoon', )),
                   filter_cfg=dict(filter_empty_gt=True, min_size=8), test_mode=False)

    def edit(cfg: Config) -> None:
        cfg.model.roi_head.bbox_head.num_classes = 1
        cfg.model.train_cfg.rpn_proposal.update(nms_pre=300, max_per_img=64)
        cfg.model.train_cfg.rcnn.sampler.num = 16
        cfg.model.test_cfg.rpn.update(nms_pre=300, max_per_img=32)
        cfg.train_dataloader = _loader(dict(dataset, pipeline=train_pipe), 2, True)
        cfg.test_dataloader = _loader(dict(dataset, pipeline=test_pipe, test_mode=True), 2,
                                      False)
        cfg.test_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='area')
        cfg.optim_wrapper.optimizer.lr = 0.005

    cfg = tiny_cfg('mmdetection/voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py', ckpt,
                   tmp_path / 'work', edit, max_iters=3)
    metrics = smoke_run('mmdet', cfg, backbone, prefix='loss_rpn')
    assert 0.0 <= metrics['pascal_voc/mAP'] <= 1.0


def test_mask_rcnn_fpn_labelme_coco(labelme_root: Path, converted, tmp_path):
    ckpt, backbone = converted
    root = labelme_root / 'instance_segmentation' / 'data_dataset_coco'
    coco = json.loads((root / 'annotations.json').read_text())
    used = {a['category_id'] for a in coco['annotations']}
    classes = tuple(c['name'] for c in coco['categories'] if c['id'] in used)
    train_pipe, test_pipe = _det_pipelines((256, 160), with_mask=True)
    dataset = dict(type='CocoDataset', data_root=str(root), ann_file='annotations.json',
                   data_prefix=dict(img=''), metainfo=dict(classes=classes),
                   filter_cfg=dict(filter_empty_gt=True, min_size=8))

    def edit(cfg: Config) -> None:
        cfg.model.roi_head.bbox_head.num_classes = len(classes)
        cfg.model.roi_head.mask_head.num_classes = len(classes)
        cfg.model.train_cfg.rpn_proposal.update(nms_pre=300, max_per_img=64)
        cfg.model.train_cfg.rcnn.sampler.num = 32
        cfg.model.test_cfg.rpn.update(nms_pre=300, max_per_img=32)
        cfg.train_dataloader = _loader(dict(dataset, pipeline=train_pipe), 2, True)
        cfg.test_dataloader = _loader(dict(dataset, pipeline=test_pipe, test_mode=True), 3,
                                      False)
        cfg.test_evaluator = dict(type='CocoMetric', ann_file=str(root / 'annotations.json'),
                                  metric=['bbox', 'segm'], format_only=False)
        cfg.optim_wrapper.optimizer.lr = 0.005

    cfg = tiny_cfg('mmdetection/coco/mask-rcnn_r50_fpn_1x_coco.py', ckpt, tmp_path / 'work',
                   edit, max_iters=3)
    metrics = smoke_run('mmdet', cfg, backbone, prefix='loss_rpn')
    for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
        assert math.isfinite(metrics[key]) and -1.0 <= metrics[key] <= 1.0  # -1: no GT
