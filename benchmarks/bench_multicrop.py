# Copyright (c) mmswav contributors. All rights reserved.
"""Benchmark 2: the published 2 x 224 + 6 x 96 multi-crop, images/s in one process.

mmswav's ``FastSwAVView`` views vs the same recipe with mmpretrain's transforms
(RandomResizedCrop pillow, RandomFlip, RandomApply(ColorJitter) p=0.8, RandomGrayscale
p=0.2, GaussianBlur p=0.5), both inside ``MultiView`` and after the same loader, alternating
on the same files: real photos (raccoon set) and CIFAR-10 upscaled to 256 px JPEGs.
Run: ``python benchmarks/bench_multicrop.py`` (one process = one dataloader worker).
"""
import argparse  # noqa: I001 (common is the local benchmarks/common.py)
import glob
import os
import tempfile

import cv2
import numpy as np
import torch
from PIL import Image

from common import alternate, machine, report


def pipelines(sizes=(224, 96), scales=((0.14, 1.), (0.05, 0.14)), num_views=(2, 6)):
    from mmcv.transforms import Compose

    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    load = dict(type='LoadImageFromFile')
    color = [dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='ColorJitter', brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2)]),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
             channel_weights=(0.114, 0.587, 0.2989))]
    reference = [[dict(type='RandomResizedCrop', scale=s, crop_ratio_range=r,
                       backend='pillow'), dict(type='RandomFlip', prob=0.5), *color,
                  dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf',
                       prob=0.5)] for s, r in zip(sizes, scales)]
    fast = [[dict(type='FastSwAVView', size=s, scale=r)] for s, r in zip(sizes, scales)]
    build = lambda views: Compose([load, dict(type='MultiView', num_views=list(num_views),  # noqa
                                              transforms=views)])
    return build(fast), build(reference)


def cifar_upscaled(root: str, out: str, count: int, side: int = 256) -> list:
    files = sorted(glob.glob(os.path.join(root, 'train', '*', '*.jpg')))[:count]
    paths = []
    for i, f in enumerate(files):
        path = os.path.join(out, f'{i:04d}.jpg')
        Image.open(f).convert('RGB').resize((side, side), Image.BICUBIC).save(path, quality=90)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data', default='data')
    parser.add_argument('--images', type=int, default=60, help='images per measured call')
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(0)  # as mmengine's workers (mp_cfg.opencv_num_threads=0)
    np.random.seed(0)
    published = pipelines()
    cifar_dir = os.path.join(args.data, 'cifar10-jpg')
    tmp = tempfile.TemporaryDirectory()
    sets = {  # name: (files, (fast, reference))
        'raccoon, 2x224 + 6x96': (
            sorted(glob.glob(os.path.join(args.data, 'raccoon/images/*.jpg'))), published),
        'CIFAR-10 upscaled to 256 px, 2x224 + 6x96': (
            cifar_upscaled(cifar_dir, tmp.name, args.images), published),
        'CIFAR-10 32 px, 2x32 + 4x16': (
            sorted(glob.glob(os.path.join(cifar_dir, 'train', '*', '*.jpg')))[::500],
            pipelines(sizes=(32, 16), num_views=(2, 4))),
    }
    print(f'multi-crop, one process | {machine()}')
    for name, (files, (fast, reference)) in sets.items():
        if not files:
            print(f'{name}: no images under {args.data} (unpack ../shared/data first); skipped')
            continue
        files = files[:args.images]

        def runner(pipe, files=files):
            def run() -> float:
                for f in files:
                    pipe(dict(img_path=f))
                return len(files)
            return run
        print(f'{name}: {len(files)} images per call')
        report(alternate({'mmswav FastSwAVView': runner(fast),
                          'mmpretrain transforms': runner(reference)}, args.repeats),
               'mmswav FastSwAVView', 'mmpretrain transforms', 'img/s')
    tmp.cleanup()


if __name__ == '__main__':
    main()
