# Copyright (c) mmswav contributors. All rights reserved.
"""Build a pretrained model and extract features, in the spirit of mmpretrain's
``get_model`` / ``inference_model``."""
import contextlib
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.runner import load_state_dict
from torch import Tensor

from mmswav.evaluation.eval_pipeline import training_size

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


def _read(image: ImageType) -> np.ndarray:
    """An RGB ``[H, W, 3]`` uint8 array of a path (decoded as mmcv's ``LoadImageFromFile``,
    like the kNN tool) or an array; an unreadable file raises naming it."""
    if isinstance(image, str):
        if not osp.isfile(image):
            raise FileNotFoundError(f'image {image} does not exist')
        try:
            img = mmcv.imread(image, channel_order='rgb')
        except Exception as error:  # noqa: BLE001  OpenCV / Pillow raise many types
            raise ValueError(f'can not read an RGB image from {image}: '
                             f'{type(error).__name__}: {error}') from None
    else:
        img = image
    if img is None or np.ndim(img) != 3 or img.shape[2] != 3:
        name = image if isinstance(image, str) else f'an array of shape {np.shape(img)}'
        raise ValueError(f'can not read an RGB image [H, W, 3] from {name} (missing, empty, '
                         'truncated or not an image file)')
    return img


def load_images(images: Sequence[ImageType], size: int = 224,
                resize: Optional[int] = 256) -> Tensor:
    """Read images (paths or RGB ``uint8`` arrays ``[H, W, 3]``), resize the short side to
    ``resize`` (Pillow, bilinear), centre-crop ``size``: the transforms of
    ``tools/benchmarks/knn.py --resize R --crop S``. Returns RGB ``[N, 3, size, size]``
    float in 0-255."""
    from mmcv.transforms import Compose

    from mmswav.evaluation.eval_pipeline import eval_transforms
    from mmswav.registry import TRANSFORMS
    with DefaultScope.overwrite_default_scope('mmswav'):
        pipeline = Compose([TRANSFORMS.build(t) for t in eval_transforms(resize or 0, size)])
    batch = []
    for image in images:
        img = pipeline(dict(img=_read(image)))['img']
        if img.shape[:2] != (size, size):  # smaller than the crop without a resize
            raise ValueError(f'{image if isinstance(image, str) else "an array"}: '
                             f'{img.shape[1]}x{img.shape[0]} after resize={resize}, smaller '
                             f'than size={size}')
        batch.append(torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1))
    return torch.stack(batch).float()  # [N, 3, H, W]


def default_size(model: nn.Module) -> Tuple[int, int]:
    """``(size, resize)`` for a model: its training crop size read from ``model.cfg``
    (short side resized to it, then centre-cropped: the view ``knn.py --resize S --crop S``
    gives, and the images as they are for CIFAR's 32 px); 224 / 256 without a training
    pipeline in the config."""
    size = training_size(getattr(model, 'cfg', None))
    return (size, size) if size else (224, 256)


@torch.no_grad()
def extract_features(model: nn.Module, inputs: Union[Tensor, Sequence[ImageType]],
                     stages: Union[str, Sequence[int]] = 'last', pool: bool = True,
                     normalized: bool = False, size: Optional[int] = None,
                     resize: Optional[int] = None) -> List[Tensor]:
    """Backbone features of images or a batch tensor.

    Args:
        model (nn.Module): A model from :func:`get_model` (or any model with ``backbone``).
        inputs (Tensor | list): ``[N, 3, H, W]`` RGB tensor in 0-255 (or already normalised,
            see ``normalized``), or a list of image paths / RGB arrays (:func:`load_images`).
        stages (str | Sequence[int]): ``'last'``, ``'all'`` or stage indices (0-3 for a
            ResNet). Defaults to ``'last'``.
        pool (bool): Global-average-pool every map to ``[N, C]``. Defaults to True.
        normalized (bool): The tensor is already mean/std normalised. Defaults to False.
        size (int, optional): Centre-crop size for image inputs. Defaults to None: the
            model's training crop size (:func:`default_size`).
        resize (int, optional): Short-side resize before the crop. Defaults to None:
            ``size`` when ``size`` is given or read from the config, else 256.

    Returns:
        List[Tensor]: One tensor per requested stage, ``[N, C]`` or ``[N, C, h, w]``.
    """
    if not torch.is_tensor(inputs):
        if size is None:
            size, default_resize = default_size(model)
            resize = resize or default_resize
        inputs = load_images(inputs, size, resize or size)
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
