# Copyright (c) mmswav contributors. All rights reserved.
"""What every part of ``gpu_check.py`` shares: the device, its precisions and the row that
names it. The part modules (``gpu_check_parts``, ``gpu_check_data``, ``gpu_check_dist``) import
this one; it imports none of them.
"""
from contextlib import nullcontext
from typing import Callable, List, NamedTuple, Optional

import torch

Emit = Callable[[dict], None]


class Precision(NamedTuple):
    name: str
    dtype: Optional[torch.dtype]
    scaler: bool
    note: str = ''


def device() -> torch.device:
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def synchronize(dev: torch.device) -> None:
    if dev.type == 'cuda':
        torch.cuda.synchronize(dev)


def device_row(dev: torch.device) -> dict:
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'CPU (dry run)'
    return dict(setting='device', device=f'{name}, torch {torch.__version__}, CUDA '
                f'{torch.version.cuda}')


def precisions(dev: torch.device) -> List[Precision]:
    """fp32, AMP fp16 (GradScaler) and bf16 autocast; fp16 on CPU is simulated with bf16
    autocast (and the GradScaler) and marked so."""
    fp16 = (Precision('fp16 AMP', torch.float16, True) if dev.type == 'cuda' else
            Precision('fp16 AMP', torch.bfloat16, True, 'simulated: bf16 autocast on CPU'))
    return [Precision('fp32', None, False), fp16, Precision('bf16', torch.bfloat16, False)]


def autocast(dev: torch.device, prec: Precision):
    return torch.autocast(dev.type, dtype=prec.dtype) if prec.dtype else nullcontext()
