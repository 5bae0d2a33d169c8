# Copyright (c) mmswav contributors. All rights reserved.
"""Parts c and e of ``gpu_check.py``: the CIFAR-10 GPU config, and the data side."""
import glob
import multiprocessing as mp
import os
import os.path as osp
import re
import runpy
import sys
import tarfile
import time

import numpy as np
import torch
from gpu_check_device import autocast, device, device_row, precisions, synchronize
from recipes import CONFIGS, ROOT, build_recipe, optimizer

CIFAR_GPU = osp.join(ROOT, 'configs/swav/'
                     'swav_resnet18-cifar_1xb512-mcrop-2-coslr-200e_cifar10-32.py')
IMAGENET_DATA = osp.join(ROOT, 'configs/_base_/datasets/imagenet_swav_mcrop-2-6.py')


def cifar_root() -> str:
    """``data/cifar10-jpg``, unpacked from ``../shared/data`` when needed; '' if absent."""
    root = osp.join(ROOT, 'data/cifar10-jpg')
    if osp.isdir(osp.join(root, 'train')) and osp.isdir(osp.join(root, 'test')):
        return root
    shared = os.environ.get('MMSWAV_SHARED_DATA', osp.join(ROOT, '..', 'shared', 'data'))
    archive = osp.join(shared, 'cifar10-jpg.tar.gz')
    if not osp.exists(archive):
        return ''
    with tarfile.open(archive) as tar:
        tar.extractall(osp.dirname(root), filter='data')
    return root if osp.isdir(osp.join(root, 'train')) else ''


def tiny_copy(root: str, out: str, per_class=(6, 3)) -> str:
    """The first few images per class of each split, for the dry run (no folder scans of
    60,000 files)."""
    import shutil
    for split, count in zip(('train', 'test'), per_class):
        for cls in sorted(os.listdir(osp.join(root, split))):
            os.makedirs(osp.join(out, split, cls), exist_ok=True)
            for name in sorted(os.listdir(osp.join(root, split, cls)))[:count]:
                shutil.copy(osp.join(root, split, cls, name), osp.join(out, split, cls, name))
    return out


def _train(argv) -> None:
    sys.argv = argv
    os.chdir(ROOT)
    runpy.run_path(osp.join(ROOT, 'tools/train.py'), run_name='__main__')


def part_c(args, size: dict, emit) -> None:
    """tools/train.py on the CIFAR-10 GPU config, kNN every epoch, until its time is up."""
    root = cifar_root()
    if not root:
        emit(dict(setting='skipped', reason='no CIFAR-10: put cifar10-jpg.tar.gz in '
                  '../shared/data or run bash tools/prepare_cifar10.sh'))
        return
    if args.dry_run:
        root = tiny_copy(root, osp.abspath(osp.join(args.out_dir, 'cifar10_tiny')),
                         size['c_per_class'])
    work = osp.abspath(osp.join(args.out_dir, 'cifar10_run'))
    options = [f'train_cfg.max_epochs={size["c_epochs"]}', 'custom_hooks.1.interval=1',
               f'custom_hooks.1.data_root={root}', f'train_dataloader.dataset.data_root={root}',
               'default_hooks.logger.interval=10']
    if args.dry_run:
        options += [f'train_dataloader.batch_size={size["c_batch"]}',
                    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
                    'custom_hooks.1.num_workers=0', 'default_hooks.logger.interval=1']
    argv = ['train.py', CIFAR_GPU, '--work-dir', work, '--cfg-options', *options]
    limit = (150 if not args.dry_run else 80) - 5
    start = time.monotonic()
    proc = mp.get_context('fork').Process(target=_train, args=(argv, ))
    proc.start()
    proc.join(limit)
    stopped = proc.is_alive()
    if stopped:  # SIGTERM: the InterruptHook saves and exits
        proc.terminate()
        proc.join(20)
        if proc.is_alive():
            proc.kill()
            proc.join()
    logs = sorted(glob.glob(osp.join(work, '*', '*.log')))
    text = open(logs[-1]).read() if logs else ''
    for match in re.finditer(r'(\d\d:\d\d:\d\d).*Epoch (\d+) kNN top-1 \(%\): (.*)', text):
        values = dict(kv.split('=') for kv in match.group(3).split(', '))
        emit(dict(epoch=int(match.group(2)), clock=match.group(1),
                  **{k: float(v) for k, v in values.items()}))
    times = [float(t) for t in re.findall(r' time: ([\d.]+)', text)]
    data = [float(t) for t in re.findall(r'data_time: ([\d.]+)', text)]
    emit(dict(setting='summary', seconds=round(time.monotonic() - start, 1),
              stopped_at_time_limit=stopped, exit_code=proc.exitcode,
              mean_iter_s=round(float(np.mean(times)), 4) if times else None,
              mean_data_s=round(float(np.mean(data)), 4) if data else None, log=logs[-1:]))


def _write_images(job) -> None:
    from PIL import Image
    paths, seed, (width, height) = job
    rng = np.random.default_rng(seed)
    for path in paths:
        w = int(width * rng.uniform(0.7, 1.0))
        h = int(w * rng.uniform(0.6, 0.9)) if rng.random() < 0.9 else int(w * 1.33)
        if rng.random() < 0.1:  # a few large photos
            w, h = w * 2, h * 2
        small = rng.integers(0, 255, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
        img = np.asarray(Image.fromarray(small).resize((w, h), Image.BICUBIC))
        noise = rng.normal(0, 12, img.shape)
        Image.fromarray(np.clip(img + noise, 0, 255).astype(np.uint8)).save(path, quality=90)


def synthetic_imagenet(root: str, count: int, size, workers: int) -> str:
    """An ImageNet-format folder ``root/train/n<class>/*.JPEG`` of ``count`` JPEGs of
    ImageNet-like sizes (smooth colours + noise); kept and reused when already complete."""
    paths = [osp.join(root, 'train', f'n{i % 10:08d}', f'img_{i:06d}.JPEG')
             for i in range(count)]
    if all(osp.exists(p) for p in paths[-10:]) and osp.exists(paths[0]):
        return osp.join(root, 'train')
    for p in paths[:10]:
        os.makedirs(osp.dirname(p), exist_ok=True)
    jobs = [(paths[i::workers], i, size) for i in range(workers)]
    with mp.get_context('fork').Pool(workers) as pool:
        pool.map(_write_images, jobs)
    return osp.join(root, 'train')


def _loader(data_root: str, pipeline_views: str, size: dict, pin: bool):
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    cfg = Config.fromfile(IMAGENET_DATA)
    views = ([cfg.global_view, cfg.local_view] if pipeline_views == 'FastSwAVView' else
             [cfg.global_view_mmpretrain, cfg.local_view_mmpretrain])
    pipeline = [dict(type='RobustLoadImageFromFile'),
                dict(type='MultiView', num_views=[2, 6], transforms=views),
                dict(type='PackInputs')]
    dl = dict(cfg.train_dataloader, batch_size=size['e_batch'], num_workers=size['e_workers'],
              pin_memory=pin, persistent_workers=True,
              dataset=dict(type='UnlabeledImageDataset', data_root=data_root,
                           pipeline=pipeline))
    with DefaultScope.overwrite_default_scope('mmswav'):
        return Runner.build_dataloader(dl, seed=0)


def part_e(args, size: dict, emit) -> None:
    """Data wait per iteration against the step, at ``e_workers`` workers."""
    from mmengine.config import Config

    from mmswav.registry import MODELS
    dev = device()
    emit(device_row(dev))
    start = time.monotonic()
    data_root = synthetic_imagenet(osp.join(args.out_dir, 'imagenet_synth'), size['e_images'],
                                   size['e_size'], max(1, min(8, os.cpu_count() or 1)))
    emit(dict(setting='generated images', images=size['e_images'], folder=data_root,
              seconds=round(time.monotonic() - start, 1)))
    prec = precisions(dev)[1] if dev.type == 'cuda' else precisions(dev)[0]
    torch.manual_seed(0)
    model = build_recipe('published', overrides=dict(
        size['overrides'], channels_last=dev.type == 'cuda',
        head=dict(size['overrides'].get('head', {}), queue_length=0))).to(dev)
    pre = MODELS.build(Config.fromfile(CONFIGS['published']).model.data_preprocessor).to(dev)
    optim = optimizer(model, 'published', lr=0.6)
    scaler = torch.amp.GradScaler(dev.type) if prec.scaler else None
    for views in ('FastSwAVView', 'mmpretrain transforms'):
        loader = _loader(data_root, views, size, pin=dev.type == 'cuda')
        batches = iter(_forever(loader))
        for _ in range(2):
            next(batches)  # workers started
        t0 = time.perf_counter()
        for _ in range(size['e_iters']):
            next(batches)
        data_only = size['e_batch'] * size['e_iters'] / (time.perf_counter() - t0)
        waits, steps = [], []
        for i in range(size['e_iters'] + 1):
            t0 = time.perf_counter()
            batch = next(batches)
            t1 = time.perf_counter()
            inputs = pre(batch, True)['inputs']
            optim.zero_grad(set_to_none=True)
            with autocast(dev, prec):
                loss = model.loss(inputs, None)['loss']
            (scaler.scale(loss) if scaler else loss).backward()
            (scaler.step(optim), scaler.update()) if scaler else optim.step()
            synchronize(dev)
            if i:  # the first step pays for cudnn's algorithm search
                waits.append(t1 - t0)
                steps.append(time.perf_counter() - t1)
        wait, step = float(np.mean(waits)), float(np.mean(steps))
        emit(dict(pipeline=views, workers=size['e_workers'], batch=size['e_batch'],
                  precision=prec.name + (', channels_last' if dev.type == 'cuda' else ''),
                  data_only_img_s=round(data_only, 1), step_img_s=round(size['e_batch'] / step, 1),
                  mean_data_wait_s=round(wait, 4), mean_step_s=round(step, 4),
                  wait_share=round(wait / (wait + step), 3), gpu_fed=wait < 0.1 * step))
        del batches, loader


def _forever(loader):
    while True:
        yield from loader
