# Copyright (c) mmswav contributors. All rights reserved.
"""Data time per image with and without draft JPEG decoding, on large photos.

The published pipeline (``RobustLoadImageFromFile``, 2 x 224 + 6 x 96 ``FastSwAVView``,
``PackInputs``) over a folder of large JPEGs, decoded at full resolution and with
``draft_views`` (decoded at the 1/2-1/8 scale the crops can use), alternating, one process,
CPU time per image (per core). Make the photos once, e.g. the raccoon set upscaled to 4000 px:

    python benchmarks/bench_draft.py --make-from data/raccoon/images --folder /tmp/big
    python benchmarks/bench_draft.py --folder /tmp/big --repeats 3
"""
import argparse
import glob
import os
import os.path as osp
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import CPU, alternate, machine  # noqa: E402

VIEWS = [dict(type='FastSwAVView', size=224, scale=(0.14, 1.)),
         dict(type='FastSwAVView', size=96, scale=(0.05, 0.14))]


def make_photos(source: str, folder: str, side: int, count: int) -> None:
    """Upscale the first ``count`` JPEGs of ``source`` to ``side`` px (longer side)."""
    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    for path in sorted(glob.glob(osp.join(source, '*.jpg')))[:count]:
        img = Image.open(path).convert('RGB')
        factor = side / max(img.size)
        img.resize((round(img.width * factor), round(img.height * factor)),
                   Image.LANCZOS).save(osp.join(folder, osp.basename(path)), quality=90)


def pipeline(draft: bool):
    from mmengine.dataset import Compose
    return Compose([
        dict(type='RobustLoadImageFromFile', draft_views=VIEWS if draft else None),
        dict(type='MultiView', num_views=[2, 6], transforms=[[VIEWS[0]], [VIEWS[1]]]),
        dict(type='PackInputs'),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--folder', required=True)
    parser.add_argument('--make-from', default=None, help='upscale these JPEGs first')
    parser.add_argument('--side', type=int, default=4000)
    parser.add_argument('--count', type=int, default=40)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    if args.make_from:
        make_photos(args.make_from, args.folder, args.side, args.count)
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    files = sorted(glob.glob(osp.join(args.folder, '*.jpg')))
    from PIL import Image
    sizes = [Image.open(f).size for f in files]
    mpix = statistics.mean(w * h for w, h in sizes) / 1e6

    def run(draft: bool):
        transforms = pipeline(draft)

        def go() -> float:
            for i, path in enumerate(files):
                transforms(dict(img_path=path, sample_idx=i))
            return len(files)
        return go

    rates = alternate({'full decode': run(False), 'draft decode': run(True)}, args.repeats)
    print(f'# {machine()}')
    print(f'# {len(files)} JPEGs of {mpix:.1f} Mpixel on average, 2 x 224 + 6 x 96 views')
    print('| decoding | ms per image (CPU time, per core) | images/s per core | wall ms |\n'
          '| :--- | ---: | ---: | ---: |')
    for name in ('full decode', 'draft decode'):
        rate = statistics.median(rates[name + CPU])
        wall = statistics.median(rates[name])
        print(f'| {name} | {1e3 / rate:.1f} | {rate:.1f} | {1e3 / wall:.1f} |')
    ratio = statistics.median(rates['draft decode' + CPU]) / statistics.median(
        rates['full decode' + CPU])
    print(f'draft / full, images per core-second: {ratio:.2f}x')


if __name__ == '__main__':
    main()
