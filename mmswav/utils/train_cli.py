# Copyright (c) mmswav contributors. All rights reserved.
"""What ``tools/train.py`` checks and adds around mmengine's Runner (the tool stays thin)."""
from typing import Any, Optional

from .config_checks import (
    ConfigError,
    amp_fallback_on_cpu,
    check_option_keys,
    check_pretrained_checkpoints,
)
from .train_data import (
    check_data_root,
    explain_empty_epoch,
    refuse_parse_time_keys,
    use_unlabeled_images,
)

__all__ = ['ConfigError', 'check_cli_options', 'finish_train_config', 'check_train_inputs',
           'explain_empty_epoch']


def check_cli_options(cfg: Any, cfg_options: Optional[dict]) -> None:
    """Before merging ``--cfg-options``: refuse parse-time keys (``data_root``) and keys
    that no argument of the class they configure has (with "did you mean")."""
    refuse_parse_time_keys(cfg_options)
    check_option_keys(cfg, cfg_options)


def finish_train_config(cfg: Any, data: Optional[str] = None) -> None:
    """After merging: ``--data PATH``, AMP on CPU (bfloat16 autocast) and the end-of-training
    summary hook."""
    if data:
        use_unlabeled_images(cfg, data)
    amp_fallback_on_cpu(cfg)
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(isinstance(h, dict) and h.get('type') == 'TrainingSummaryHook' for h in hooks):
        hooks.append(dict(type='TrainingSummaryHook', data_root=cfg.get('data_root', None)))
    cfg.custom_hooks = hooks


def check_train_inputs(cfg: Any) -> None:
    """Before building the Runner: the data root and any ``Pretrained`` checkpoint exist."""
    check_data_root(cfg)
    check_pretrained_checkpoints(cfg.get('model', {}), 'model')
