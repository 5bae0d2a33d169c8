# Copyright (c) mmswav contributors. All rights reserved.
from contextlib import contextmanager
from typing import Optional

import torch
from mmengine.optim import OptimWrapper

from mmswav.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """Optimizer wrapper whose forward runs under ``torch.autocast``, without loss scaling.

    mmengine's ``AmpOptimWrapper`` needs a GPU; this one also runs on CPU, where bfloat16
    autocast is the mixed precision (bf16 has float32's range, so no scaler is needed).
    ``tools/train.py --amp`` picks it when no GPU is present. The Sinkhorn still runs in
    float32.

    Args:
        dtype (str): ``'bfloat16'`` or ``'float16'``. Defaults to ``'bfloat16'``.
        device_type (str, optional): Autocast device; defaults to ``'cuda'`` when available,
            else ``'cpu'``.
        **kwargs: Arguments of ``OptimWrapper`` (``optimizer``, ``accumulative_counts``...).
    """

    def __init__(self, dtype: str = 'bfloat16', device_type: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.autocast_dtype = getattr(torch, dtype)
        self.device_type = device_type or ('cuda' if torch.cuda.is_available() else 'cpu')

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                device_type=self.device_type, dtype=self.autocast_dtype):
            yield
