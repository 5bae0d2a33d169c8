# Copyright (c) mmswav contributors. All rights reserved.
"""Read self-supervised checkpoints of several layouts and extract their backbone.

Layouts told apart (see ``docs/transfer.md``):

* ``mmswav``: mmengine checkpoint of this project (``backbone.*``, ``neck.*``, ``head.*``
  with the ``head.queue`` / ``head.iteration`` buffers);
* ``openmmlab-1.x``: mmpretrain / mmselfsup 1.x (``backbone.*``, mmengine ``meta``);
* ``openmmlab-0.x``: mmselfsup 0.x (``backbone.*``, mmcv ``meta``);
* ``openmmlab``: ``backbone.*`` keys with no ``meta`` to tell the version;
* ``swav``: facebookresearch/swav training files (``module.*`` with ``projection_head.*`` and
  ``prototypes.weight``, bare or under ``state_dict``);
* ``swav-hub``: the same without ``module.`` (torch hub, or ``module.`` already stripped);
* ``moco``: facebookresearch/moco v1/v2 (``module.encoder_q.*``), as mmdet's converter;
* ``torchvision``: bare ResNet keys (an already converted or torchvision checkpoint).
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.runner import CheckpointLoader

from mmswav.utils.checkpoint import load_local_checkpoint

from .resnet_keys import check_resnet

StateDict = Dict[str, torch.Tensor]
SWAV_LAYOUTS = ('mmswav', 'openmmlab-1.x', 'openmmlab-0.x', 'openmmlab', 'swav', 'swav-hub',
                'torchvision')
# layout -> (prefix of backbone keys, prefixes dropped on purpose)
_PREFIX = {
    'mmswav': 'backbone.', 'openmmlab-1.x': 'backbone.', 'openmmlab-0.x': 'backbone.',
    'openmmlab': 'backbone.', 'swav': 'module.', 'swav-hub': '', 'moco': 'module.encoder_q.',
    'torchvision': '',
}
_HEAD_KEYS = ('projection_head.', 'prototypes.', 'fc.')


def read_checkpoint(path: str) -> Tuple[StateDict, dict]:
    """Load ``path`` (local or http(s) URL) and return ``(state_dict, meta)``; refuse what
    is not a checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is corrupt, not a torch checkpoint, or holds no tensors.
    """
    try:
        if path.startswith(('http://', 'https://')):  # torch hub cache, weights-only
            ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        else:
            ckpt = load_local_checkpoint(path, map_location='cpu')
    except FileNotFoundError:
        raise
    except Exception as error:  # torch raises many types for a corrupt / foreign file
        reason = (str(error).splitlines() or [''])[0][:200]
        raise ValueError(f'{path}: not a readable torch checkpoint ({type(error).__name__}: '
                         f'{reason}); is the file complete and a .pth/.pth.tar written by '
                         'torch.save?') from error
    if not isinstance(ckpt, dict):
        raise ValueError(f'{path}: holds a {type(ckpt).__name__}, not a checkpoint dict')
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    for key in ('state_dict', 'model'):
        if isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    tensors = {k: v for k, v in ckpt.items() if isinstance(k, str) and torch.is_tensor(v)}
    if not tensors:
        raise ValueError(f'{path}: no weights found (empty checkpoint; top-level keys '
                         f'{list(ckpt)[:8]})')
    return tensors, meta


def detect_layout(state_dict: StateDict, meta: Optional[dict] = None) -> str:
    """Name the layout of ``state_dict`` (one of the module docstring), or raise."""
    keys = list(state_dict)
    meta = meta or {}
    if any(k.startswith('module.encoder_q.') for k in keys):
        return 'moco'
    if any(k.startswith('backbone.') for k in keys):
        if 'head.queue' in state_dict or 'head.iteration' in state_dict:
            return 'mmswav'
        if 'mmengine_version' in meta or 'mmengine' in meta:
            return 'openmmlab-1.x'
        if 'mmcv_version' in meta or 'mmselfsup_version' in meta:
            return 'openmmlab-0.x'
        return 'openmmlab'
    if 'module.conv1.weight' in state_dict or all(k.startswith('module.') for k in keys):
        return 'swav'  # DDP-wrapped (the official SwAV training script)
    if 'conv1.weight' in state_dict:
        if any(k.startswith(('projection_head.', 'prototypes.')) for k in keys):
            return 'swav-hub'
        return 'torchvision'
    raise ValueError(f'unknown checkpoint layout: {len(keys)} tensors, first keys {keys[:5]}; '
                     'expected backbone.* (OpenMMLab), module.* (facebookresearch/swav), '
                     'module.encoder_q.* (MoCo) or bare ResNet keys')


def detect_algorithm(state_dict: StateDict) -> str:
    """``'moco'``, ``'swav'`` or ``'unknown'`` from the keys only."""
    keys = list(state_dict)
    if any(m in k for k in keys for m in ('encoder_q.', 'encoder_k.', 'momentum_encoder.')):
        return 'moco'
    if any('prototypes' in k for k in keys):
        return 'swav'
    return 'unknown'


def extract_backbone(state_dict: StateDict, layout: str) -> Tuple[StateDict, List[str]]:
    """Split into backbone weights with bare keys and the names of dropped keys."""
    prefix = _PREFIX[layout]
    kept, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        if key.startswith(prefix) and not key[len(prefix):].startswith(_HEAD_KEYS):
            kept[key[len(prefix):]] = value
        else:
            dropped.append(key)
    return kept, dropped


def summarise_keys(keys: List[str], depth: int = 3) -> str:
    """``'a.b.c.*' (n), ...``: keys grouped by their first ``depth`` components."""
    groups: Dict[str, int] = OrderedDict()
    for key in keys:
        parts = key.split('.')
        name = key if len(parts) <= depth else '.'.join(parts[:depth]) + '.*'
        groups[name] = groups.get(name, 0) + 1
    return ', '.join(f'{k} ({n})' if n > 1 else k for k, n in groups.items())


def convert_checkpoint(src: str, selfsup: str = 'auto', arch: Optional[str] = 'resnet50',
                       verbose: bool = True) -> Tuple[StateDict, str, List[str]]:
    """Read ``src`` and return ``(backbone_state_dict, layout, dropped_keys)``.

    Args:
        src (str): Checkpoint path.
        selfsup (str): ``'swav'``, ``'moco'`` or ``'auto'``; a mismatch with the detected
            algorithm is refused. Defaults to ``'auto'``.
        arch (str, optional): torchvision ResNet name the backbone must match exactly
            (:func:`check_resnet`); None skips the check. Defaults to ``'resnet50'``.
        verbose (bool): Print the layout and the kept / dropped keys. Defaults to True.
    """
    state_dict, meta = read_checkpoint(src)
    try:
        layout = detect_layout(state_dict, meta)
    except ValueError as error:
        raise ValueError(f'{src}: {error}') from None
    algorithm = detect_algorithm(state_dict)
    if selfsup != 'auto' and algorithm != 'unknown' and algorithm != selfsup:
        raise ValueError(f'{src}: --selfsup {selfsup} but this is a {algorithm} checkpoint '
                         f'(layout {layout}); pass --selfsup {algorithm} or auto')
    backbone, dropped = extract_backbone(state_dict, layout)
    if not backbone:
        raise ValueError(f'{src}: layout {layout} but no backbone weights under '
                         f'{_PREFIX[layout]!r}')
    if arch is not None:
        check_resnet(backbone, arch, source=src)
    if verbose:
        print(f'{src}: layout {layout}, algorithm {algorithm}')
        print(f'kept {len(backbone)} backbone keys: {list(backbone)[:3]} ... '
              f'{list(backbone)[-1]}')
        print(f'dropped {len(dropped)} keys: {summarise_keys(dropped)}')
    return backbone, layout, dropped
