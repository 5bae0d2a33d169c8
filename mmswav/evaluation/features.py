# Copyright (c) mmswav contributors. All rights reserved.
"""Frozen-feature extraction for the kNN and SVM benchmarks, with a progress bar.

Unreadable images (empty, truncated, not an image) are never replaced by another sample:
they are left out and named (:mod:`mmswav.evaluation.readable`)."""
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.datasets import CustomDataset
from torch import Tensor

from .eval_pipeline import eval_transforms
from .progress import LineProgress, progress_bar
from .readable import (
    ReadableSamples,
    Skipped,
    model_batch,
    summarize_skipped,
    use_readable_collate,
)

# adaptive pooling size of feature1..feature5 (stem, stage1..4), as mmselfsup's
# MultiPooling for the VOC07 SVM / multi-head linear benchmarks of the published tables
POOL_SIZES = (12, 6, 4, 3, 2)


def build_eval_dataset(data_root: str, prefix: str, resize: int = 0,
                       crop: int = 0) -> ReadableSamples:
    """A labelled ImageFolder ``<data_root>/<prefix>/<class>/*`` with a test pipeline.

    Images are decoded by ``RobustLoadImageFromFile`` (BGR, as mmcv's loader); an
    unreadable one is a :class:`~mmswav.evaluation.readable.Skipped` marker, which
    :func:`extract_features` leaves out. ``metainfo`` and ``get_data_info`` are the
    ``CustomDataset``'s.

    Args:
        data_root (str): Dataset root.
        prefix (str): Split folder under ``data_root``, e.g. ``'train'``.
        resize (int): Short-edge resize, 0 for none. Defaults to 0.
        crop (int): Centre-crop size, 0 for none. Defaults to 0.
    """
    folder = osp.join(data_root, prefix)
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} does not exist: expected an ImageFolder '
                                f'<class>/<image> layout (see docs/evaluation.md)')
    pipeline = [dict(type='RobustLoadImageFromFile'), *eval_transforms(resize, crop),
                dict(type='PackInputs')]
    return ReadableSamples(CustomDataset(data_root=data_root, data_prefix=prefix,
                                         pipeline=pipeline))


def gap_features(model: nn.Module, inputs: Tensor) -> Dict[str, Tensor]:
    """Global-average-pooled last-stage backbone features ``{'feature': [B, C]}``."""
    feats = model.backbone(inputs)
    feat = feats[-1] if isinstance(feats, (list, tuple)) else feats
    return dict(feature=feat.mean(dim=(2, 3)) if feat.dim() == 4 else feat)


def resnet_maps(backbone: nn.Module, inputs: Tensor) -> Tuple[Tensor, ...]:
    """The stem's map (after the max-pool, where the backbone has one) and every stage's map
    of an mmpretrain ResNet: ``(feature1, ..., feature5)`` for four stages."""
    if not hasattr(backbone, 'res_layers'):
        raise TypeError(f'multi-layer features need a ResNet backbone, got '
                        f'{type(backbone).__name__}')
    if getattr(backbone, 'deep_stem', False):
        x = backbone.stem(inputs)
    else:
        x = backbone.relu(backbone.norm1(backbone.conv1(inputs)))
    if hasattr(backbone, 'maxpool'):  # ResNet_CIFAR has none
        x = backbone.maxpool(x)
    maps = [x]
    for name in backbone.res_layers:
        x = getattr(backbone, name)(x)
        maps.append(x)
    return tuple(maps)


def multi_layer_features(model: nn.Module, inputs: Tensor,
                         pool_sizes: Sequence[int] = POOL_SIZES) -> Dict[str, Tensor]:
    """feature1 (stem) ... feature5 (last stage) of a ResNet backbone, each adaptively
    average-pooled to ``pool_sizes[i]`` and flattened ``[B, C * s * s]``."""
    maps = resnet_maps(model.backbone, inputs)
    return {f'feature{i + 1}': F.adaptive_avg_pool2d(m, size).flatten(1)
            for i, (m, size) in enumerate(zip(maps, pool_sizes))}


@torch.no_grad()
def extract_features(model: nn.Module, dataloader,
                     fn: Callable[[nn.Module, Tensor], Dict[str, Tensor]] = gap_features,
                     progress: bool = True, skipped: Optional[List[Skipped]] = None
                     ) -> Tuple[Dict[str, Tensor], Tensor]:
    """Run ``fn`` on every batch of ``dataloader`` in eval mode.

    Args:
        model (nn.Module): A model with ``data_preprocessor`` and ``backbone``.
        dataloader: Batches of ``{'inputs': ..., 'data_samples': ...}`` (mmengine). Its
            collate is wrapped to drop unreadable samples (:class:`Skipped` markers).
        fn (Callable): Maps ``(model, preprocessed inputs)`` to named ``[B, D]`` features.
            Defaults to :func:`gap_features`.
        progress (bool): Show a progress bar. Defaults to True.
        skipped (List[Skipped], optional): Where the unreadable samples go (their position
            in ``dataloader.dataset`` and path); they are then left out of the features and
            labels. Defaults to None: an unreadable sample raises ``OSError`` naming it (for
            callers that pair the rows with labels of their own).

    Returns:
        Tuple[Dict[str, Tensor], Tensor]: Features ``{name: [N, D]}`` and labels ``[N]``
        (``-1`` where a sample has no ``gt_label``) of the readable samples, in order.
    """
    model.eval()
    use_readable_collate(dataloader)
    outputs: Dict[str, List[Tensor]] = {}
    labels: List[int] = []
    dropped: List[Skipped] = []
    bar = progress_bar(len(dataloader.dataset)) if progress else None
    position = 0
    for batch in dataloader:
        dropped += [Skipped(position + s.index, s.path) for s in batch['skipped']]
        position += len(batch['readable']) + len(batch['skipped'])
        if batch['readable']:
            data = model.data_preprocessor(model_batch(batch), False)
            inputs = data['inputs']
            inputs = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
            for name, feat in fn(model, inputs).items():
                outputs.setdefault(name, []).append(feat.float().cpu())
            labels += sample_labels(data['data_samples'])
        if bar is not None:
            bar.update(len(batch['readable']) + len(batch['skipped']))
    if bar is not None and not isinstance(bar, LineProgress):
        print()  # end the redrawn terminal line
    check_skipped(dropped, skipped, len(dataloader.dataset))
    if not outputs:
        raise OSError(f'none of the {position} images could be read; see the warnings above')
    return {k: torch.cat(v) for k, v in outputs.items()}, torch.tensor(labels)


def sample_labels(data_samples) -> List[int]:
    """``gt_label`` of every data sample, ``-1`` where it has none."""
    labels = []
    for sample in data_samples:
        label = sample.get('gt_label', None)
        labels.append(int(label[0]) if label is not None and len(label) else -1)
    return labels


def check_skipped(dropped: List[Skipped], skipped: Optional[List[Skipped]],
                  total: int) -> None:
    """Hand the unreadable samples to ``skipped`` (and log them), or raise without it."""
    if dropped and skipped is None:
        names = ', '.join(s.path for s in dropped[:10])
        raise OSError(f'{len(dropped)} unreadable image(s): {names}. Remove or fix them (the '
                      'caller pairs the features with labels of its own, so they cannot be '
                      'left out here)')
    if skipped is not None:
        summarize_skipped(dropped, total)
        skipped.extend(dropped)
