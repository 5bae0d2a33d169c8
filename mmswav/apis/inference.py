# Copyright (c) mmswav contributors. All rights reserved.
"""Build a pretrained model and extract features, in the spirit of mmpretrain's
``get_model`` / ``inference_model``."""
import contextlib
import os.path as osp
from typing import List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.runner import load_state_dict
from torch import Tensor

from .convert import detect_layout, extract_backbone, read_checkpoint

ImageType = Union[str, np.ndarray]


def get_model(config: Union[str, Config], checkpoint: Optional[str] = None,
              device: Union[str, torch.device] = 'cpu', pretrained: bool = False) -> nn.Module:
    """Build the model of ``config`` and load ``checkpoint`` (path or URL), in eval mode.

    An mmswav checkpoint is loaded into the whole model; any other layout that
    :func:`~mmswav.apis.convert.detect_layout` knows (mmpretrain / mmselfsup, the official
    SwAV files, MoCo, a converted backbone) into the backbone only. Both strictly: a missing or
    unexpected key raises instead of leaving random weights.

    Args:
        config (str | Config): Config file or object, or a model name of
            ``configs/swav/metafile.yml`` (:func:`~mmswav.apis.list_models`).
        checkpoint (str, optional): Local path or http(s) URL. Defaults to None (random).
        device (str | torch.device): Where the model lives. Defaults to ``'cpu'``.
        pretrained (bool): With a model name, load its released weights (downloaded once
            into the torch hub cache, hash-checked where a hash is known). Defaults to False.
    """
    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules

    from .model_zoo import model_info, pretrained_weights
    register_all_modules(init_default_scope=False)
    if isinstance(config, str) and not osp.isfile(config) and not config.endswith('.py'):
        name = config
        config = model_info(name)['Config']  # KeyError listing the names if unknown
        if pretrained:
            if checkpoint is not None:
                raise ValueError('pass either checkpoint or pretrained=True, not both')
            checkpoint = pretrained_weights(name)
    elif pretrained:
        raise ValueError(f'pretrained=True needs a model name (mmswav.apis.list_models()), '
                         f'not the config {config}; pass checkpoint= instead')
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    with DefaultScope.overwrite_default_scope('mmswav'):  # even after mmdet / mmseg set theirs
        model = MODELS.build(cfg.model)
    if checkpoint is not None:
        state, meta = read_checkpoint(checkpoint)
        layout = detect_layout(state, meta)
        if layout == 'mmswav':
            load_state_dict(model, state, strict=True)
        else:
            backbone, _ = extract_backbone(state, layout)
            load_state_dict(model.backbone, backbone, strict=True)
        print_log(f'get_model: loaded {checkpoint} ({layout} layout) into the '
                  f'{"whole model" if layout == "mmswav" else "backbone"}', logger='current')
    model.cfg = cfg
    return model.to(device).eval()


@contextlib.contextmanager
def _out_indices(backbone: nn.Module, stages: Sequence[int]):
    """Temporarily make a ResNet-like backbone return ``stages``."""
    if not hasattr(backbone, 'out_indices'):
        raise TypeError(f'{type(backbone).__name__} has no out_indices; per-stage features '
                        'need an OpenMMLab ResNet-like backbone')
    saved = backbone.out_indices
    backbone.out_indices = tuple(stages)
    try:
        yield
    finally:
        backbone.out_indices = saved


def load_images(images: Sequence[ImageType], size: int = 224,
                resize: int = 256) -> Tensor:
    """Read images (paths or RGB ``uint8`` arrays ``[H, W, 3]``), resize the short side to
    ``resize``, centre-crop ``size``; return RGB ``[N, 3, size, size]`` float in 0-255."""
    batch = []
    for image in images:
        img = mmcv.imread(image, channel_order='rgb') if isinstance(image, str) else image
        if img is None or img.ndim != 3 or img.shape[2] != 3:
            name = image if isinstance(image, str) else f'an array of shape {np.shape(img)}'
            raise ValueError(f'can not read an RGB image [H, W, 3] from {name}')
        h, w = img.shape[:2]
        scale = resize / min(h, w)
        img = mmcv.imresize(img, (max(size, round(w * scale)), max(size, round(h * scale))))
        top, left = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
        batch.append(torch.from_numpy(np.ascontiguousarray(
            img[top:top + size, left:left + size])).permute(2, 0, 1))  # [3, H, W]
    return torch.stack(batch).float()  # [N, 3, H, W]


@torch.no_grad()
def extract_features(model: nn.Module, inputs: Union[Tensor, Sequence[ImageType]],
                     stages: Union[str, Sequence[int]] = 'last', pool: bool = True,
                     normalized: bool = False) -> List[Tensor]:
    """Backbone features of images or a batch tensor.

    Args:
        model (nn.Module): A model from :func:`get_model` (or any model with ``backbone``).
        inputs (Tensor | list): ``[N, 3, H, W]`` RGB tensor in 0-255 (or already normalised,
            see ``normalized``), or a list of image paths / RGB arrays (:func:`load_images`).
        stages (str | Sequence[int]): ``'last'``, ``'all'`` or stage indices (0-3 for a
            ResNet). Defaults to ``'last'``.
        pool (bool): Global-average-pool every map to ``[N, C]``. Defaults to True.
        normalized (bool): The tensor is already mean/std normalised. Defaults to False.

    Returns:
        List[Tensor]: One tensor per requested stage, ``[N, C]`` or ``[N, C, h, w]``.
    """
    if not torch.is_tensor(inputs):
        inputs = load_images(inputs)
    if inputs.dim() != 4 or inputs.shape[1] != 3:
        raise ValueError(f'expected an [N, 3, H, W] tensor, got {tuple(inputs.shape)}')
    param = next(model.parameters())
    inputs = inputs.to(param.device, param.dtype)
    if not normalized:
        pre = model.data_preprocessor
        inputs = (inputs - pre.mean.view(1, -1, 1, 1)) / pre.std.view(1, -1, 1, 1)
    backbone = model.backbone
    num_stages = getattr(backbone, 'num_stages', 4)
    if stages == 'last':
        stages = (num_stages - 1, )
    elif stages == 'all':
        stages = tuple(range(num_stages))
    with _out_indices(backbone, stages):
        feats = list(backbone(inputs))
    return [f.mean(dim=(2, 3)) if pool and f.dim() == 4 else f for f in feats]
