# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/train.py --numerics``: the arithmetic of the training step on CPU.

Four settings, each a pair of existing config switches:

===================== ========================= ==========================================
setting               ``model.channels_last``   ``optim_wrapper``
===================== ========================= ==========================================
fp32                  False                     ``OptimWrapper`` (float32)
channels_last         True                      ``OptimWrapper``
bf16                  False                     ``AutocastOptimWrapper``, ``dtype='bfloat16'``
bf16_channels_last    True                      ``AutocastOptimWrapper``, ``dtype='bfloat16'``
===================== ========================= ==========================================

``auto`` times a few real training steps of every candidate on this machine and keeps the
fastest whose loss agrees with float32 (:mod:`.numerics_probe`). The Sinkhorn runs in float32
in every setting. The resolved setting is stored as ``cfg.numerics`` (and in every
checkpoint's ``meta['mmswav_run']``), so a resumed ``auto`` run keeps the first run's choice.
"""
from typing import Any, Optional, Tuple

import torch

from mmswav.utils.config_checks import ConfigError, _arguments, _registry_class

SETTINGS = ('fp32', 'channels_last', 'bf16', 'bf16_channels_last')
CHOICES = ('auto', ) + SETTINGS
_PLAIN = ('OptimWrapper', 'mmengine.OptimWrapper')
_AUTOCAST = ('AutocastOptimWrapper', 'mmswav.AutocastOptimWrapper', 'AmpOptimWrapper',
             'mmpretrain.AmpOptimWrapper')


def supported(cfg: Any) -> tuple:
    """The settings this config can take: channels_last needs a model with that argument
    (``SwAV``), bf16 an ``OptimWrapper`` / ``AutocastOptimWrapper`` (not a custom one)."""
    model_cls = _registry_class(cfg.model.get('type'))
    names = _arguments(model_cls) if model_cls is not None else None
    layout = names is not None and 'channels_last' in names
    wrapper = cfg.get('optim_wrapper', {}).get('type', 'OptimWrapper')
    autocast = wrapper in _PLAIN + _AUTOCAST
    return tuple(s for s in SETTINGS if (layout or 'channels_last' not in s)
                 and (autocast or not s.startswith('bf16')))


def apply_setting(cfg: Any, setting: str) -> None:
    """Set the two config switches of ``setting`` (see the module's table) in place."""
    if setting not in supported(cfg):
        raise ConfigError(f'--numerics {setting}: not available for this config (it supports '
                          f'{", ".join(supported(cfg))}): channels_last needs a model with a '
                          'channels_last argument, bf16 an OptimWrapper')
    if 'channels_last' in supported(cfg):
        cfg.model['channels_last'] = setting.endswith('channels_last')
    wrapper = cfg.optim_wrapper
    if setting.startswith('bf16'):
        if torch.cuda.is_available():
            wrapper['type'] = 'AmpOptimWrapper'
        else:
            wrapper['type'] = 'AutocastOptimWrapper'
            wrapper.pop('loss_scale', None)
        wrapper['dtype'] = 'bfloat16'
    elif wrapper.get('type', 'OptimWrapper') in _AUTOCAST:
        wrapper['type'] = 'OptimWrapper'
        for key in ('dtype', 'loss_scale', 'device_type'):
            wrapper.pop(key, None)
    cfg.numerics = setting


def requested_setting(cfg: Any, numerics: Optional[str], data: Optional[str],
                      amp: bool = False) -> Optional[str]:
    """What was asked for: ``--numerics``, else the config's ``numerics`` key, else ``auto``
    with ``--data`` (own images) and None (the config as written) otherwise."""
    if amp:
        if numerics not in (None, 'bf16', 'bf16_channels_last'):
            raise ConfigError(f'--amp and --numerics {numerics} contradict each other: --amp '
                              'is bf16 autocast on CPU; drop one of them')
        return numerics
    if numerics is not None:
        return numerics
    if cfg.get('numerics', None) is not None:
        if cfg.numerics not in CHOICES:
            raise ConfigError(f'numerics={cfg.numerics!r} in the config: use one of '
                              f'{", ".join(CHOICES)}')
        return cfg.numerics
    return 'auto' if data else None


def saved_setting(cfg: Any) -> Optional[str]:
    """The setting stored in the checkpoint that this run resumes from (None otherwise)."""
    if not cfg.get('resume', False) or not cfg.get('load_from', None):
        return None
    from mmswav.engine.hooks.resume_guard_hook import RUN_INFO_KEY
    from mmswav.utils.checkpoint import load_local_checkpoint
    meta = load_local_checkpoint(cfg.load_from, map_location='cpu', mmap=True).get('meta', {})
    return (meta.get(RUN_INFO_KEY) or {}).get('numerics')


def resolve_numerics(cfg: Any, numerics: Optional[str] = None, data: Optional[str] = None,
                     amp: bool = False, launcher: str = 'none'
                     ) -> Tuple[Optional[str], Optional[str]]:
    """Turn the request into a setting in ``cfg`` (in place).

    ``auto`` times the candidates on CPU, in one process; on a GPU the config and ``--amp``
    stay as they are, and with several processes ``auto`` is ``fp32`` (every rank would time
    for itself and could choose differently). A resumed ``auto`` run reuses its saved choice.

    Returns:
        Tuple[Optional[str], Optional[str]]: The setting (None: the config is untouched) and
        the one line to log (None: nothing to say), for the Runner's logger.
    """
    request = requested_setting(cfg, numerics, data, amp)
    if request is None:
        return None, None
    if request != 'auto':
        apply_setting(cfg, request)
        return request, f'numerics: {request} (set explicitly)'
    if torch.cuda.is_available():
        return None, 'numerics auto: GPU, the config is kept (mixed precision: --amp)'
    saved = saved_setting(cfg)
    if saved in SETTINGS:
        apply_setting(cfg, saved)
        return saved, f'numerics: {saved} (auto: the choice of the run this one resumes)'
    if launcher != 'none':
        apply_setting(cfg, 'fp32')
        return 'fp32', ('numerics: fp32 (auto with a launcher: each process would time for '
                        'itself; pass --numerics SETTING to choose)')
    from .numerics_probe import choose_numerics
    setting, line = choose_numerics(cfg, supported(cfg))
    if setting is not None:
        apply_setting(cfg, setting)
    return setting, line
