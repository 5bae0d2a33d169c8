# Copyright (c) mmswav contributors. All rights reserved.
"""Check that a backbone state dict is the ResNet that mmdet / mmseg / torchvision expect.

mmdet's, mmseg's, mmpretrain's and torchvision's plain-stem ResNets share one key layout
(``conv1``, ``bn1``, ``layerN.i.{conv,bn}{1,2,3}``, ``layerN.i.downsample.{0,1}``); only
torchvision adds ``fc.*``. The expected names and shapes come from torchvision's own model
built on the ``meta`` device (no memory, no download); for the official SwAV wide ResNet-50s
(``resnet50w2/w4/w5``) every channel count of torchvision's ResNet-50 is multiplied by the
width, the RGB input excepted.
"""
import re
from typing import Dict, List, Optional, Tuple

import torch
import torchvision

# resnet50wN: the official SwAV wide ResNet-50s (every channel count x N, stem included), as
# mmpretrain's / mmdet's / mmseg's ResNet(depth=50, stem_channels=64N, base_channels=64N)
WIDE = {'resnet50w2': 2, 'resnet50w4': 4, 'resnet50w5': 5}
ARCHS = ('resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', *WIDE)
# (bottleneck, blocks per stage) -> name
_DEPTHS = {
    (False, (2, 2, 2, 2)): 'resnet18',
    (False, (3, 4, 6, 3)): 'resnet34',
    (True, (3, 4, 6, 3)): 'resnet50',
    (True, (3, 4, 23, 3)): 'resnet101',
    (True, (3, 8, 36, 3)): 'resnet152',
}


def expected_shapes(arch: str = 'resnet50') -> Dict[str, Tuple[int, ...]]:
    """Names and shapes of the plain-stem ResNet ``arch`` without ``fc`` and BN counters."""
    if arch not in ARCHS:
        raise ValueError(f'unknown arch {arch!r}; choose one of {ARCHS}')
    widen = WIDE.get(arch, 1)
    with torch.device('meta'):
        model = getattr(torchvision.models, 'resnet50' if widen > 1 else arch)()
    shapes = {}
    for key, value in model.state_dict().items():
        if key.startswith('fc.') or key.endswith('num_batches_tracked'):
            continue
        shape = list(value.shape)
        shape[0] *= widen  # output channels (or BN channels)
        if len(shape) == 4 and shape[1] != 3:  # input channels, except the RGB stem
            shape[1] *= widen
        shapes[key] = tuple(shape)
    return shapes


def describe(state_dict: Dict[str, torch.Tensor]) -> str:
    """A short description of what backbone a state dict holds, for error messages."""
    keys = list(state_dict)
    if any(k.startswith('stem.') for k in keys):
        return ('a deep-stem ResNet (ResNetV1c/V1d: "stem.*" keys), not the plain-stem '
                'ResNet that SwAV uses')
    if 'conv1.weight' not in state_dict or not any(k.startswith('layer1.') for k in keys):
        return f'not a ResNet (first keys: {keys[:5]})'
    blocks = []
    for stage in range(1, 5):
        ids = {int(m.group(1)) for k in keys
               for m in [re.match(rf'layer{stage}\.(\d+)\.', k)] if m}
        blocks.append(len(ids))
    bottleneck = 'layer1.0.conv3.weight' in state_dict
    name = _DEPTHS.get((bottleneck, tuple(blocks)), 'an unknown-depth ResNet')
    width = tuple(state_dict['conv1.weight'].shape)
    if name == 'resnet50' and width[0] != 64 and width[0] % 64 == 0:
        name = f'resnet50w{width[0] // 64}'
    elif name == 'resnet50' and width[0] != 64:
        name = 'a resnet50 of unusual width'

    return f'{name} (blocks per stage {blocks}, conv1.weight {width})'


def check_resnet(state_dict: Dict[str, torch.Tensor], arch: str = 'resnet50',
                 source: str = 'checkpoint') -> None:
    """Raise ``ValueError`` naming what was found unless ``state_dict`` is exactly ``arch``.

    Extra ``num_batches_tracked`` entries are fine; missing ones are filled by torch.

    Args:
        state_dict (dict): Backbone weights with bare ResNet keys.
        arch (str): Expected torchvision name. Defaults to ``'resnet50'``.
        source (str): The file name, for the message. Defaults to ``'checkpoint'``.
    """
    expected = expected_shapes(arch)
    found = {k: v for k, v in state_dict.items() if not k.endswith('num_batches_tracked')}
    missing: List[str] = sorted(set(expected) - set(found))
    unexpected: List[str] = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(expected) & set(found)
                   if tuple(found[k].shape) != expected[k])
    if missing or unexpected or wrong:
        details = []
        if missing:
            details.append(f'{len(missing)} missing (e.g. {missing[:3]})')
        if unexpected:
            details.append(f'{len(unexpected)} unexpected (e.g. {unexpected[:3]})')
        if wrong:
            k = wrong[0]
            details.append(f'{len(wrong)} of another shape (e.g. {k}: '
                           f'{tuple(found[k].shape)} vs {expected[k]})')
        raise ValueError(f'{source}: the backbone is {describe(state_dict)}, not a plain-stem '
                         f'{arch}: ' + '; '.join(details) + '. ' + what_to_do(found))


def matching_arch(state_dict: Dict[str, torch.Tensor]) -> Optional[str]:
    """The name in :data:`ARCHS` whose keys and shapes ``state_dict`` has exactly, or None."""
    found = {k: tuple(v.shape) for k, v in state_dict.items()
             if not k.endswith('num_batches_tracked')}
    return next((a for a in ARCHS if expected_shapes(a) == found), None)


def what_to_do(state_dict: Dict[str, torch.Tensor]) -> str:
    """The next step after a failed check: the ``--arch`` that fits, or, when none does (a
    CIFAR stem, another width, another network), ``extract_backbone_weights.py``."""
    arch = matching_arch(state_dict)
    if arch is not None:
        return f'It is a {arch}: pass --arch {arch}.'
    conv1 = state_dict.get('conv1.weight')
    why = 'its layers match none of them'
    if conv1 is not None and conv1.dim() == 4 and conv1.shape[-1] == 3:
        why = (f'it has a CIFAR stem (3x3 conv1, {conv1.shape[0]} channels; mmdet\'s '
               'ResNet has a 7x7 conv1 and a max-pool)')
    elif conv1 is not None and conv1.shape[0] not in (64, 128, 256, 320):
        why = f'its stem has {conv1.shape[0]} channels (64 in mmdet\'s ResNet)'
    return (f'No --arch fits ({", ".join(ARCHS)}): {why}, so mmdet / mmseg cannot load it '
            'as their ResNet. To keep its weights for a backbone of the same type (e.g. '
            "mmpretrain's ResNet_CIFAR), use tools/model_converters/extract_backbone_weights.py "
            'SRC DST (keys backbone.*; --remove-prefix for bare keys).')
