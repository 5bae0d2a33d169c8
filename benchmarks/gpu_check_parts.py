# Copyright (c) mmswav contributors. All rights reserved.
"""Parts a and b of ``gpu_check.py`` (c and e, the data parts: ``gpu_check_data.py``; d:
``gpu_check_dist.py``; what they share: ``gpu_check_device.py``).

Every part gets ``(args, size, emit)``: the command line, the sizes of ``gpu_check.sizes``
and a function that appends one result row. No ``.cuda()``: tensors go ``.to(device)``.
"""
import time

import torch
import torch.nn.functional as F
from gpu_check_device import Emit, Precision, autocast, device, device_row, precisions, synchronize
from recipes import build_recipe, make_crops, mmpretrain_twin, optimizer


def measure(model, crops, prec: Precision, dev: torch.device, size: dict) -> dict:
    """Images/s of forward + loss + backward + LARC step (lr 0.6), losses, peak memory."""
    optim = optimizer(model, 'published', lr=0.6)
    scaler = torch.amp.GradScaler(dev.type) if prec.scaler else None
    head = getattr(model, 'head', None)
    losses = []

    def step() -> None:
        optim.zero_grad(set_to_none=True)
        with autocast(dev, prec):
            loss = model.loss(crops, None)['loss']
        (scaler.scale(loss) if scaler else loss).backward()
        if hasattr(head, 'drop_frozen_prototype_grads'):
            head.drop_frozen_prototype_grads()
        if scaler:
            scaler.step(optim)
            scaler.update()
        else:
            optim.step()
        losses.append(loss.detach().float())
    for _ in range(size['warmup']):
        step()
    if dev.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(dev)
    synchronize(dev)
    start = time.perf_counter()
    for _ in range(size['iters']):
        step()
    synchronize(dev)
    seconds = time.perf_counter() - start
    values = torch.stack(losses).cpu()
    return dict(img_s=round(crops[0].shape[0] * size['iters'] / seconds, 2),
                loss_first=values[0].item(), loss_last=values[-1].item(),
                loss_finite=bool(values.isfinite().all()),
                peak_gib=(round(torch.cuda.max_memory_allocated(dev) / 2**30, 2)
                          if dev.type == 'cuda' else None))


def part_a(args, size: dict, emit: Emit) -> None:
    """The published model: mmswav vs mmpretrain per batch, layout and precision."""
    dev = device()
    emit(device_row(dev))
    if dev.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    overrides = dict(size['overrides'], head=dict(size['overrides'].get('head', {}),
                                                   queue_length=0))
    for batch in size['batches']:
        for channels_last in (False, True):
            torch.manual_seed(0)
            ours = build_recipe('published', overrides=dict(overrides,
                                                            channels_last=channels_last))
            theirs = mmpretrain_twin(ours, 'published', overrides)
            ours, theirs = ours.to(dev), theirs.to(dev)
            if channels_last:
                theirs.backbone.to(memory_format=torch.channels_last)
            crops = make_crops('published', batch, dev, channels_last, sizes=size['crops'])
            for prec in precisions(dev):
                for name, model in (('mmswav', ours), ('mmpretrain', theirs)):
                    try:
                        result = measure(model, crops, prec, dev, size)
                    except Exception as error:  # e.g. out of memory: keep the others
                        result = dict(error=f'{type(error).__name__}: {error}'[:200])
                    emit(dict(batch=batch, channels_last=channels_last, precision=prec.name,
                              impl=name, **result, note=prec.note or None))
            del ours, theirs, crops
            if dev.type == 'cuda':
                torch.cuda.empty_cache()


def part_b(args, size: dict, emit: Emit) -> None:
    """Sinkhorn codes and the loss under fp16 / bf16 autocast: any inf / NaN?"""
    from mmpretrain.models.losses.swav_loss import distributed_sinkhorn

    from mmswav.models.losses import SwAVLoss, sinkhorn
    dev = device()
    emit(device_row(dev))
    batch, num_prototypes = size['sinkhorn_shape']
    gen = torch.Generator().manual_seed(0)
    z = F.normalize(torch.randn(2 * batch, 128, generator=gen), dim=1).to(dev)
    protos = F.normalize(torch.randn(num_prototypes, 128, generator=gen), dim=1).to(dev)
    for dtype_name, dtype in (('fp16', torch.float16), ('bf16', torch.bfloat16)):
        for epsilon in (0.05, 0.03):
            for scores_name, scale in (('unit-norm', 1.0), ('badly scaled (norm 20)', 20.0)):
                row = dict(autocast=dtype_name, epsilon=epsilon, scores=scores_name)
                try:
                    with torch.autocast(dev.type, dtype=dtype):
                        scores = F.linear(z * scale, protos)  # autocast: fp16 / bf16 scores
                        row['scores_dtype'] = str(scores.dtype).replace('torch.', '')
                        ours = sinkhorn(scores[:batch], 3, epsilon)
                        loss = SwAVLoss(num_crops=[2], epsilon=epsilon)(scores)
                        theirs = distributed_sinkhorn(scores[:batch], 3, 1, epsilon)
                        their_loss = -(theirs * F.log_softmax(scores[batch:] / 0.1, dim=1)
                                       ).sum(dim=1).mean()
                    row.update(
                        mmswav_codes_finite=bool(ours.isfinite().all()),
                        mmswav_rows_sum_err=float((ours.sum(1) - 1).abs().max()),
                        mmswav_loss_finite=bool(loss.isfinite()),
                        mmpretrain_codes_finite=bool(theirs.isfinite().all()),
                        mmpretrain_loss_finite=bool(their_loss.isfinite()))
                except Exception as error:  # e.g. fp16 autocast unsupported on this device
                    row['error'] = f'{type(error).__name__}: {error}'[:200]
                emit(row)
