# Copyright (c) mmswav contributors. All rights reserved.
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmswav.registry import MODEL_WRAPPERS


def check_queue_not_broadcast(module: nn.Module, broadcast_buffers: bool) -> None:
    """Refuse a DDP wrapper that broadcasts buffers around a model with a SwAV queue.

    With ``broadcast_buffers=True`` (torch's DDP default, kept by a plain
    ``dict(type='MMDistributedDataParallel')``; ``forward_sync_buffers=True`` in torch >= 2.14,
    which a DDP's ``broadcast_buffers`` property reads) every forward copies rank 0's buffers, the
    SwAV queue included, over the other ranks': each rank's own queue (official SwAV) is
    silently lost from the first iteration that uses it.

    Args:
        module (nn.Module): The wrapped model.
        broadcast_buffers (bool): The wrapper's ``broadcast_buffers``.

    Raises:
        ValueError: Naming the queue length and what to set.
    """
    if not broadcast_buffers:
        return
    from mmswav.models.heads import SwAVHead
    for name, head in module.named_modules():
        if isinstance(head, SwAVHead) and head.queue.shape[1] > 0:
            raise ValueError(
                f'model_wrapper_cfg has broadcast_buffers=True while the SwAV head '
                f'{name or "(model)"} has a queue ({head.queue.shape[1]} rows per rank): every '
                'forward would copy rank 0\'s queue over the other ranks\' queues. Set '
                "model_wrapper_cfg = dict(type='mmswav.models.wrappers.AnyDeviceDDP', "
                'broadcast_buffers=False) (configs/_base_/default_runtime.py), or '
                'model.head.queue_length=0.')


@MODEL_WRAPPERS.register_module()
class AnyDeviceDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also runs on CPU processes (gloo).

    mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which torch refuses for a
    CPU module; here they are dropped when the module lives on the CPU. Buffers are not
    broadcast (``broadcast_buffers=False``, as mmengine's default): every rank keeps its own
    SwAV queue, as in the official code; ``broadcast_buffers=True`` with a queue is refused
    (:func:`check_queue_not_broadcast`).
    """

    def __init__(self, module: nn.Module, device_ids=None, **kwargs) -> None:
        param = next(module.parameters(), None)
        if param is not None and param.device.type == 'cpu':
            device_ids = None
        kwargs.setdefault('broadcast_buffers', False)
        sync = kwargs.get('forward_sync_buffers')  # torch >= 2.14's name, which wins
        check_queue_not_broadcast(module, kwargs['broadcast_buffers'] if sync is None else sync)
        super().__init__(module=module, device_ids=device_ids, **kwargs)
