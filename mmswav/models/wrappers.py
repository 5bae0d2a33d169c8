# Copyright (c) mmswav contributors. All rights reserved.
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmswav.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class AnyDeviceDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also runs on CPU processes (gloo).

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which torch refuses for a
    CPU module; here they are dropped when the module lives on the CPU. Buffers are not
    broadcast (``broadcast_buffers=False``, as mmengine's default): every rank keeps its own
    SwAV queue, as in the official code.
    """

    def __init__(self, module: nn.Module, device_ids=None, **kwargs) -> None:
        param = next(module.parameters(), None)
        if param is not None and param.device.type == 'cpu':
            device_ids = None
        kwargs.setdefault('broadcast_buffers', False)
        super().__init__(module=module, device_ids=device_ids, **kwargs)
