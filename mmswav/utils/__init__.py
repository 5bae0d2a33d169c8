# Copyright (c) mmswav contributors. All rights reserved.
from .checkpoint import allow_mmengine_checkpoints
from .config import replace_sync_bn
from .setup_env import register_all_modules

__all__ = ['allow_mmengine_checkpoints', 'register_all_modules', 'replace_sync_bn']
