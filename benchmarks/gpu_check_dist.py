# Copyright (c) mmswav contributors. All rights reserved.
"""Part d of ``gpu_check.py``: SyncBN in one process, DDP over 2 processes on one device.

One process on the whole batch (BN) is the reference. SyncBN in a world of one must give
the same first step; two ranks with half the batch each (SyncBN, the global Sinkhorn,
DDP's gradient average) must give the same loss and the same weights after the first LARC
step. NCCL refuses two ranks on one GPU on most versions, so NCCL is tried first and gloo
on the device's tensors is the fallback; the row says which ran. On CPU (dry run) SyncBN
cannot sync (torch supports it on GPUs only), so two ranks use GroupNorm, which has no
batch statistics and so must equal one process too.
"""
import multiprocessing as mp
import os.path as osp
import tempfile

import torch
import torch.distributed as dist
from gpu_check_device import device, device_row
from recipes import build_recipe, make_crops, optimizer


def _norm(dev_type: str, sync: bool) -> dict:
    if dev_type != 'cuda':
        return dict(type='GN', num_groups=8)
    return dict(type='SyncBN' if sync else 'BN')


def _build(size: dict, norm: dict):
    overrides = dict(backbone=dict(depth=size['d_depth']), head=dict(
        queue_length=0, loss=dict(num_crops=[2, len(size['d_crops']) - 2])))
    if size['d_depth'] < 50:
        overrides['neck'] = dict(in_channels=512, hid_channels=256)
    return build_recipe('published', norm=norm, overrides=overrides)


def _model(size: dict, norm: dict, init_state: str):
    model = _build(size, norm)
    model.load_state_dict(torch.load(init_state, weights_only=True))
    return model


def _one_step(model, crops, dev):
    model = model.to(dev)
    optim = optimizer(model, 'published', lr=0.6)
    loss = model(crops, None, mode='loss')['loss']
    loss.backward()
    getattr(model, 'module', model).head.drop_frozen_prototype_grads()
    optim.step()
    return loss.detach()


def _rank(rank: int, backend: str, init_file: str, size: dict, init_state: str,
          out: str) -> None:
    dev_type = 'cuda' if torch.cuda.is_available() else 'cpu'
    dev = torch.device(dev_type, 0) if dev_type == 'cuda' else torch.device('cpu')
    if dev_type == 'cuda':
        torch.cuda.set_device(dev)
    dist.init_process_group(backend, init_method=f'file://{init_file}', rank=rank,
                            world_size=2)
    model = _model(size, _norm(dev_type, sync=True), init_state).to(dev)
    ddp = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[dev.index] if dev_type == 'cuda' else None,
        broadcast_buffers=False)
    half = size['d_batch'] // 2
    crops = [c[rank * half:(rank + 1) * half] for c in
             make_crops('published', size['d_batch'], dev, sizes=size['d_crops'])]
    loss = _one_step(ddp, crops, dev)
    dist.all_reduce(loss)
    if rank == 0:
        torch.save(dict(loss=float(loss) / 2, state={k: v.cpu() for k, v in
                                                     model.state_dict().items()}), out)
    dist.destroy_process_group()


def _two_ranks(backend: str, size: dict, init_state: str, out: str, timeout: float):
    ctx = mp.get_context('fork')  # the parent has not initialised the GPU
    init_file = tempfile.mktemp(prefix='gpu_check_d_')
    procs = [ctx.Process(target=_rank, args=(r, backend, init_file, size, init_state, out))
             for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout)
    codes = []
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join()
        codes.append(p.exitcode)
    return all(c == 0 for c in codes) and osp.exists(out), codes


def _compare(name: str, result: dict, ref_loss: float, ref_state: dict, init: dict) -> dict:
    update_err, update_max = 0.0, 0.0
    for key, value in ref_state.items():
        if not value.is_floating_point() or not value.numel():
            continue
        ref_update = value.float() - init[key].float()
        update_err = max(update_err, float((result['state'][key].float() - value.float()
                                            ).abs().max()))
        update_max = max(update_max, float(ref_update.abs().max()))
    rel = update_err / max(update_max, 1e-12)
    loss_rel = abs(result['loss'] - ref_loss) / abs(ref_loss)
    return dict(setting=name, loss=result['loss'], loss_1_process=ref_loss,
                loss_rel_diff=loss_rel, weights_max_diff_over_max_update=rel,
                equal=bool(loss_rel < 1e-4 and rel < 2e-2))


def part_d(args, size: dict, emit) -> None:
    dev_type = 'cuda' if torch.cuda.is_available() else 'cpu'  # no CUDA context yet
    work = tempfile.mkdtemp(prefix='gpu_check_d_')
    init_state = osp.join(work, 'init.pth')
    torch.manual_seed(0)
    torch.save(_build(size, _norm(dev_type, sync=False)).state_dict(), init_state)
    ranks = {}
    for backend in (['nccl'] if dev_type == 'cuda' else []) + ['gloo']:
        out = osp.join(work, f'{backend}.pth')
        ok, codes = _two_ranks(backend, size, init_state, out, timeout=40)
        ranks[backend] = (ok, codes, out)
        if ok:
            break
    dev = device()  # the GPU is used in this process only from here on
    emit(device_row(dev))
    init = torch.load(init_state, weights_only=True)
    crops = make_crops('published', size['d_batch'], dev, sizes=size['d_crops'])
    ref = _model(size, _norm(dev_type, sync=False), init_state)
    ref_loss = float(_one_step(ref, crops, dev))
    ref_state = {k: v.cpu() for k, v in ref.state_dict().items()}
    # SyncBN (GroupNorm on CPU) in a world of one, with the whole batch
    init_file = tempfile.mktemp(prefix='gpu_check_d1_')
    dist.init_process_group('nccl' if dev_type == 'cuda' else 'gloo',
                            init_method=f'file://{init_file}', rank=0, world_size=1)
    one = _model(size, _norm(dev_type, sync=True), init_state)
    loss = float(_one_step(one, crops, dev))
    dist.destroy_process_group()
    emit(dict(_compare(f'{_norm(dev_type, True)["type"]}, 1 process',
                       dict(loss=loss, state={k: v.cpu() for k, v in
                                              one.state_dict().items()}),
                       ref_loss, ref_state, init), backend=dev_type))
    for backend, (ok, codes, out) in ranks.items():
        name = f'DDP 2 ranks on one {dev_type}, {_norm(dev_type, True)["type"]}'
        if not ok:
            emit(dict(setting=name, backend=backend, equal=None,
                      error=f'ranks exited with {codes}'))
            continue
        row = _compare(name, torch.load(out, weights_only=True), ref_loss, ref_state, init)
        emit(dict(row, backend=f'{backend} ({dev_type} tensors)'))
