# Copyright (c) mmswav contributors. All rights reserved.
"""The model of an analysis (a checkpoint, or the seeded random initialisation) and what it
computes per image in one pass: backbone GAP features and prototype scores."""
from typing import Dict, List, Tuple

import torch.nn as nn
from mmengine.config import Config
from mmengine.runner.utils import set_random_seed
from torch import Tensor


def load_model(cfg: Config, checkpoint: str, seed: int = 0) -> nn.Module:
    """``cfg``'s model in eval mode with ``checkpoint`` loaded strictly, or, for
    ``'random'``, its own initialisation (``init_weights``) after seeding with ``seed``:
    the random-init model of ``tools/benchmarks/knn.py``."""
    from mmswav.apis import get_model
    from mmswav.evaluation.frozen_model import init_weights_quietly
    set_random_seed(seed)
    if checkpoint != 'random':
        return get_model(cfg, checkpoint)
    model = get_model(cfg)
    init_weights_quietly(model)
    return model.eval()


def features_and_scores(model: nn.Module, inputs: Tensor, head: int = 0) -> Dict[str, Tensor]:
    """One backbone pass: ``feature`` (global-average-pooled last stage, ``[B, C]``) and
    ``scores`` (prototype head ``head``'s ``C^T z`` of the unit-norm embedding, ``[B, K]``),
    as ``model.head(model.embed([inputs]))`` computes them."""
    out = model.backbone(inputs)
    last = out[-1] if isinstance(out, (list, tuple)) else out
    embedding = model.neck([out])[0]  # [B, feat_dim], unit norm
    return dict(feature=last.mean(dim=(2, 3)) if last.dim() == 4 else last,
                scores=model.head(embedding)[head])


def prototype_weights(model: nn.Module, head: int = 0) -> Tensor:
    """The vectors ``[K, feat_dim]`` of prototype head ``head``."""
    return model.head.prototype_layers()[head].weight.detach().float().cpu()


def sinkhorn_settings(model: nn.Module) -> Tuple[float, int, float]:
    """``(epsilon, iterations, temperature)`` of the model's SwAV loss."""
    loss = model.head.loss_module
    return (float(getattr(loss, 'epsilon', 0.05)), int(getattr(loss, 'sinkhorn_iterations', 3)),
            float(getattr(loss, 'temperature', 0.1)))


def eval_view(size: int, resize: int) -> List[dict]:
    """Short-side resize (Pillow, bilinear) then centre crop: the kNN benchmark's view."""
    from mmswav.evaluation.eval_pipeline import eval_transforms
    return eval_transforms(resize, size)
