# Copyright (c) mmswav contributors. All rights reserved.
"""The multi-head linear probe of the published tables (feature1 ... feature5).

Every ResNet map (stem, stage1..4) is batch-normalised, adaptively average-pooled to a fixed
size (12, 6, 4, 3, 2: 9216, 9216, 8192, 9216, 8192 dims for a ResNet-50, as mmselfsup's
MultiPooling) and classified by its own linear layer; the losses are summed and
:class:`MultiHeadAccuracy` reports the top-1 of every head.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from mmswav.registry import METRICS, MODELS

from .features import resnet_maps


@MODELS.register_module()
class ResNetMultiStage(ResNet):
    """A ResNet whose outputs are the stem (after max-pool) and every stage:
    ``(feature1, ..., feature5)``. Same arguments as mmpretrain's ``ResNet``."""

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        return resnet_maps(self, x)


@MODELS.register_module()
class ResNetCIFARMultiStage(ResNet_CIFAR):
    """mmpretrain's ``ResNet_CIFAR`` (3x3 stride-1 stem, no max-pool) returning the stem and
    every stage, ``(feature1, ..., feature5)``, like :class:`ResNetMultiStage`."""

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        return resnet_maps(self, x)


@MODELS.register_module()
class MultiLinearClsHead(ClsHead):
    """BN + adaptive average pooling + linear classifier on each of several feature maps.

    Args:
        num_classes (int): Number of classes.
        in_channels (Sequence[int]): Channels of every map. Defaults to ResNet-50's
            (64, 256, 512, 1024, 2048).
        pool_sizes (Sequence[int]): Output size of each adaptive pooling.
            Defaults to (12, 6, 4, 3, 2).
        eval_index (int): The head whose scores become ``pred_score``. Defaults to -1.
        **kwargs: ``loss``, ``topk``, ``init_cfg`` of ``ClsHead``.
    """

    def __init__(self, num_classes: int,
                 in_channels: Sequence[int] = (64, 256, 512, 1024, 2048),
                 pool_sizes: Sequence[int] = (12, 6, 4, 3, 2), eval_index: int = -1,
                 **kwargs) -> None:
        kwargs.setdefault('init_cfg', dict(type='Normal', std=0.01, layer='Linear'))
        super().__init__(**kwargs)
        if len(in_channels) != len(pool_sizes):
            raise ValueError(f'MultiLinearClsHead: {len(in_channels)} in_channels but '
                             f'{len(pool_sizes)} pool_sizes')
        self.pool_sizes = tuple(pool_sizes)
        self.eval_index = eval_index
        self.norms = nn.ModuleList([nn.BatchNorm2d(c) for c in in_channels])
        self.fcs = nn.ModuleList(
            [nn.Linear(c * s * s, num_classes) for c, s in zip(in_channels, pool_sizes)])

    def forward(self, feats: Tuple[Tensor, ...]) -> List[Tensor]:
        if len(feats) != len(self.fcs):
            raise ValueError(f'MultiLinearClsHead has {len(self.fcs)} heads but got '
                             f'{len(feats)} feature maps; use ResNetMultiStage')
        return [fc(F.adaptive_avg_pool2d(norm(x), s).flatten(1))  # [B, num_classes]
                for x, norm, fc, s in zip(feats, self.norms, self.fcs, self.pool_sizes)]

    def loss(self, feats: Tuple[Tensor, ...], data_samples: List[DataSample],
             **kwargs) -> Dict[str, Tensor]:
        target = torch.cat([s.gt_label for s in data_samples])
        return {f'loss_head{i + 1}': self.loss_module(score, target, **kwargs)
                for i, score in enumerate(self(feats))}

    def predict(self, feats: Tuple[Tensor, ...],
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        scores = [F.softmax(s, dim=1) for s in self(feats)]
        data_samples = data_samples or [DataSample() for _ in range(len(scores[0]))]
        for j, sample in enumerate(data_samples):
            sample.set_pred_score(scores[self.eval_index][j])
            for i, score in enumerate(scores):
                sample.set_field(score[j], f'head{i + 1}_score', field_type='metainfo')
        return data_samples


@METRICS.register_module()
class MultiHeadAccuracy(BaseMetric):
    """Top-1 accuracy (%) of every head of :class:`MultiLinearClsHead` (``head<i>_top1``)."""

    default_prefix = 'mhead'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            heads = sorted((k for k in sample if k.startswith('head') and k.endswith('_score')),
                           key=lambda k: int(k[4:-6]))
            if not heads:
                raise KeyError('MultiHeadAccuracy needs head<i>_score fields: use it with '
                               'MultiLinearClsHead')
            self.results.append(dict(
                label=int(sample['gt_label'][0]),
                preds={k[:-6]: int(sample[k].argmax()) for k in heads}))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        heads = results[0]['preds'].keys()
        return {f'{h}_top1': 100.0 * sum(r['preds'][h] == r['label'] for r in results) /
                len(results) for h in heads}
