# Copyright (c) mmswav contributors. All rights reserved.
"""Smoke runs of the mmdet benchmark configs on real data, on CPU, from a converted mmswav
checkpoint: Faster R-CNN R50-C4 on the raccoon VOC set, Mask R-CNN R50-FPN on the labelme COCO
examples. Tiny scales and a few iterations: the loss on a fixed batch falls, test prints mAP."""
import json
import math
from pathlib import Path

import numpy as np
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


def box_iou(boxes: np.ndarray, others: np.ndarray, legacy: bool = False) -> np.ndarray:
    """IoU ``[N, M]`` of (x1, y1, x2, y2) boxes; ``legacy``: widths x2 - x1 + 1 (VOC)."""
    one = 1.0 if legacy else 0.0
    lt = np.maximum(boxes[:, None, :2], others[None, :, :2])
    rb = np.minimum(boxes[:, None, 2:], others[None, :, 2:])
    inter = np.prod(np.clip(rb - lt + one, 0, None), axis=2)
    area = lambda b: (b[:, 2] - b[:, 0] + one) * (b[:, 3] - b[:, 1] + one)  # noqa: E731
    return inter / (area(boxes)[:, None] + area(others)[None] - inter)


def voc_area_ap(samples: list, iou_thr: float = 0.5) -> float:
    """One class's VOC AP ('area' mode, legacy +1 coordinates) by hand: every detection in
    descending score order is a true positive when its best-overlapping ground-truth box
    (IoU >= iou_thr) is not taken yet; AP is the area under the precision envelope."""
    scored, num_gt = [], 0
    for sample in samples:
        gt = sample.gt_instances.bboxes.numpy()
        num_gt += len(gt)
        pred = sample.pred_instances
        boxes, scores = pred.bboxes.numpy(), pred.scores.numpy()
        taken = np.zeros(len(gt), bool)
        ious = box_iou(boxes, gt, legacy=True) if len(gt) else np.zeros((len(boxes), 0))
        for i in np.argsort(-scores, kind='stable'):
            j = int(ious[i].argmax()) if len(gt) else -1
            hit = j >= 0 and ious[i, j] >= iou_thr and not taken[j]
            taken[j] |= hit
            scored.append((scores[i], hit))
    scored.sort(key=lambda row: -row[0])
    hits = np.array([hit for _, hit in scored], float)
    recall = np.concatenate([[0.], np.cumsum(hits) / num_gt, [1.]])
    precision = np.concatenate([[0.], np.cumsum(hits) / np.arange(1, len(hits) + 1), [0.]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


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
    samples = []
    metrics = smoke_run('mmdet', cfg, backbone, prefix='loss_rpn', samples=samples)
    assert len(samples) == len(ids)  # every test image predicted
    assert not any(len(s.ignored_instances) for s in samples)  # no "difficult" raccoon
    expected = voc_area_ap(samples)
    assert 0 < expected < 1, expected  # 3 iterations: a few boxes right, most wrong
    assert metrics['pascal_voc/mAP'] == pytest.approx(expected, abs=1e-6)


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
    samples = []
    metrics = smoke_run('mmdet', cfg, backbone, prefix='loss_rpn', samples=samples)
    assert len(samples) == len(coco['images'])  # every test image predicted
    # After 3 iterations no box reaches COCO's lowest threshold (IoU 0.5 with a ground-truth
    # box of its class): the bbox and mask mAPs must then be exactly 0, and positive if one
    # did. A non-saturated value needs a longer run than a CPU smoke test; the VOC test above
    # checks the metric against a hand computation.
    hit = any((box_iou(s.pred_instances.bboxes.numpy()[s.pred_instances.labels.numpy() == c],
                       s.gt_instances.bboxes.numpy()[s.gt_instances.labels.numpy() == c])
               >= 0.5).any() for s in samples for c in range(len(classes)))
    assert sum(len(s.pred_instances) for s in samples) > 0
    assert (metrics['coco/bbox_mAP'] > 0) == hit, (metrics, hit)
    assert math.isfinite(metrics['coco/segm_mAP']) and metrics['coco/segm_mAP'] >= 0
