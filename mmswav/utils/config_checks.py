# Copyright (c) mmswav contributors. All rights reserved.
"""Checks of a config and its ``--cfg-options`` before anything is built: each mistake gets
an error naming the key and what to do, never a silent result or a bare ``TypeError``."""
import difflib
import inspect
import os.path as osp
from typing import Any, List, Optional

import torch
from mmengine.logging import print_log


class ConfigError(ValueError):
    """A config or command-line mistake; ``tools/train.py`` prints it and exits."""


def _registry_class(type_name: str) -> Optional[type]:
    from mmengine.registry import DefaultScope

    from mmswav import registry
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    with DefaultScope.overwrite_default_scope('mmswav'):
        for name in ('MODELS', 'DATASETS', 'TRANSFORMS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
                     'PARAM_SCHEDULERS', 'HOOKS', 'DATA_SAMPLERS', 'LOOPS'):
            cls = getattr(registry, name).get(type_name)
            if cls is not None:
                return cls
    return None


def _arguments(cls: type) -> Optional[List[str]]:
    """Keyword arguments of ``cls`` (None when it takes ``**kwargs`` we cannot follow)."""
    names = []
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names += [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                  and p.name != 'self']
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return names
    return None


def check_option_keys(cfg: Any, cfg_options: Optional[dict]) -> None:
    """Refuse a ``--cfg-options`` key that is neither in ``cfg`` nor an argument of the
    class its parent dict builds, with a "did you mean" from that class's signature.

    The class is the one the options produce: ``optim_wrapper.type=AutocastOptimWrapper
    optim_wrapper.dtype=bfloat16`` checks ``dtype`` against ``AutocastOptimWrapper``, not
    against the config's ``OptimWrapper``. Call it before ``cfg.merge_from_dict(cfg_options)``.
    """
    new_types = {key[:-len('.type')]: value for key, value in (cfg_options or {}).items()
                 if key.endswith('.type')}
    for key in cfg_options or {}:
        parts = key.split('.')
        node = getattr(cfg, '_cfg_dict', cfg)  # a Config is no dict
        for part in parts[:-1]:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
                break
        last = parts[-1]
        parent = '.'.join(parts[:-1])
        if not isinstance(node, dict) or last in node or (
                'type' not in node and parent not in new_types):
            continue
        cls = _registry_class(new_types.get(parent, node.get('type')))
        names = _arguments(cls) if cls is not None else None
        if names is None or last in names:
            continue
        close = difflib.get_close_matches(last, names, n=1, cutoff=0.6)
        hint = f'; did you mean {".".join(parts[:-1] + close)}?' if close else ''
        raise ConfigError(f'--cfg-options {key}: {cls.__name__} has no argument {last!r}'
                          f'{hint} (its arguments: {", ".join(sorted(names))})')


def check_pretrained_checkpoints(cfg: Any, path: str = '') -> None:
    """Raise naming the key when an ``init_cfg=dict(type='Pretrained')`` of ``cfg`` has an
    empty or missing local ``checkpoint``."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'Pretrained':
            ckpt = cfg.get('checkpoint') or ''
            if not ckpt or ('://' not in ckpt and not osp.isfile(ckpt)):
                what = 'is not set' if not ckpt else f'{ckpt!r} does not exist'
                raise ConfigError(
                    f'{path}.checkpoint {what}: this config evaluates a pretrained backbone. '
                    f'Pass it with --cfg-options {path}.checkpoint=work_dirs/<run>/epoch_N.pth')
        for key, value in cfg.items():
            check_pretrained_checkpoints(value, f'{path}.{key}' if path else key)
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            check_pretrained_checkpoints(value, f'{path}.{i}')


def amp_fallback_on_cpu(cfg: Any) -> bool:
    """Without a GPU, replace ``AmpOptimWrapper`` (mmengine's needs CUDA) by bfloat16
    autocast (:class:`AutocastOptimWrapper`) and log it once. Returns whether it did."""
    wrapper = cfg.get('optim_wrapper', None) or {}
    if torch.cuda.is_available() or wrapper.get('type') not in ('AmpOptimWrapper',
                                                                'mmpretrain.AmpOptimWrapper'):
        return False
    wrapper['type'] = 'AutocastOptimWrapper'
    for key in ('loss_scale', 'dtype', 'use_fsdp'):
        wrapper.pop(key, None)
    wrapper['dtype'] = 'bfloat16'
    print_log('no GPU: AmpOptimWrapper (fp16 + loss scaling) -> AutocastOptimWrapper '
              '(bfloat16 autocast on CPU)', logger='current')
    return True
