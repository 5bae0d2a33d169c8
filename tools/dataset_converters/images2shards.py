# Copyright (c) mmswav contributors. All rights reserved.
"""Pack a folder of images (any layout) or a file list into WebDataset tar shards.

    python tools/dataset_converters/images2shards.py data/cifar10-jpg/train \
        data/cifar10-shards/train --shard-size 1000 --workers 2 [--max-size 1024]

SOURCE is what ``tools/train.py --data`` takes: a folder in any layout (flat, nested, mixed;
every image found recursively, hidden files skipped) or a ``.txt`` list (``path [label]`` per
line, relative paths to the list's folder). Class labels (``cls`` members, ``classes`` in the
manifest) come only from a real ImageFolder, every image at ``<class>/<image>``, or from the
list's labels; the layout found is printed. Every image is first decoded (in ``--workers``
processes); unreadable ones are skipped and listed (printed, and in the manifest's
``skipped``): found = packed + unreadable. The readable ones, in the listing's order, fill
shards of exactly ``--shard-size`` samples (the last one the rest), written in parallel with
their original bytes, except that ``--max-size N`` downscales an image whose longer side is
over N (Pillow, Lanczos) and stores it as JPEG (``--jpeg-quality``); then ``manifest.json``
(shards, counts, sha256). OUT_DIR must not exist or be empty.
"""
import argparse
import hashlib
import io
import json
import os
import os.path as osp
import sys
from functools import partial
from multiprocessing import Pool
from typing import List, Optional, Tuple

from PIL import Image

from mmswav.datasets.shards.manifest import MANIFEST_FORMAT
from mmswav.datasets.transforms.robust_loading import decode_rgb
from mmswav.datasets.unlabeled_images import IMG_EXTENSIONS, find_images

Item = Tuple[str, Optional[int]]


def list_file_images(source: str) -> List[Item]:
    """``[(path, label or None)]`` of a ``path [label]`` list."""
    base, items = osp.dirname(osp.abspath(source)), []
    with open(source) as f:
        for line in f:
            parts = line.strip().rsplit(maxsplit=1)
            if not parts or parts[0].startswith('#'):
                continue
            label = int(parts[1]) if len(parts) == 2 and parts[1].lstrip('-').isdigit() \
                else None
            path = parts[0] if label is not None else line.strip()
            items.append((path if osp.isabs(path) else osp.join(base, path), label))
    return items


def list_images(source: str, labels: bool = True
                ) -> Tuple[List[Item], Optional[List[str]], str]:
    """``[(path, label or None)]``, the class names (None without labels) and a line
    saying which layout was found."""
    if osp.isfile(source):
        items = list_file_images(source)
        with_labels = sum(label is not None for _, label in items)
        return items, None, (f'file list, {with_labels} of {len(items)} lines with a label')
    if not osp.isdir(source):
        raise FileNotFoundError(f'{source} is neither a folder nor a file list')
    paths = find_images(source)
    if not paths:
        raise ValueError(f'{source}: no image ({", ".join(IMG_EXTENSIONS)}) found '
                         'recursively')
    others = sum(len([f for f in files if not f.startswith('.')])
                 for _, _, files in os.walk(source, followlinks=True)) - len(paths)
    parts = [osp.relpath(p, source).split(os.sep) for p in paths]
    top, deep = sum(len(r) == 1 for r in parts), sum(len(r) > 2 for r in parts)
    ignored = f'; {others} other file(s) ignored' if others > 0 else ''
    if top or deep:
        return [(p, None) for p in paths], None, (
            f'not an ImageFolder ({top} image(s) at the top level, {deep} deeper than '
            f'<class>/<image>): no class labels{ignored}')
    classes = sorted({r[0] for r in parts})
    if not labels:
        return [(p, None) for p in paths], None, (
            f'ImageFolder of {len(classes)} classes, labels dropped (--no-labels){ignored}')
    index = {c: i for i, c in enumerate(classes)}
    return [(p, index[r[0]]) for p, r in zip(paths, parts)], classes, (
        f'ImageFolder (<class>/<image>) of {len(classes)} classes: labels kept as cls'
        f'{ignored}')


def check_image(item: Item) -> Optional[str]:
    """None when the image decodes, else the error."""
    try:
        decode_rgb(item[0])
        return None
    except Exception as error:  # noqa: BLE001
        return f'{type(error).__name__}: {error}'


def image_bytes(path: str, max_size: int = 0, quality: int = 90) -> Tuple[str, bytes, bool]:
    """``(extension, bytes, downscaled)`` to store for an image: its own bytes, or, when its
    longer side is over ``max_size`` (> 0), a Lanczos-downscaled JPEG."""
    ext = osp.splitext(path)[1].lower().lstrip('.').replace('jpeg', 'jpg')
    if max_size > 0:
        with Image.open(path) as img:
            large = max(img.size) > max_size
        if large:
            img = Image.fromarray(decode_rgb(path))  # EXIF-rotated RGB
            img.thumbnail((max_size, max_size), Image.LANCZOS)
            buffer = io.BytesIO()
            img.save(buffer, format='JPEG', quality=quality)
            return 'jpg', buffer.getvalue(), True
    with open(path, 'rb') as f:
        return ext, f.read(), False


def write_shard(job: Tuple[str, int, List[Item]], max_size: int = 0,
                quality: int = 90) -> dict:
    """Write one shard (keys are the global sample indices); its manifest entry."""
    from webdataset import TarWriter
    path, first, items = job
    downscaled = 0
    with open(path, 'xb') as f, TarWriter(f, encoder=False, mtime=0) as tar:
        for i, (image, label) in enumerate(items):
            ext, data, smaller = image_bytes(image, max_size, quality)
            downscaled += smaller
            sample = {'__key__': f'{first + i:09d}', ext: data}
            if label is not None:
                sample['cls'] = str(label).encode()
            tar.write(sample)
    with open(path, 'rb') as f:
        digest = hashlib.file_digest(f, 'sha256').hexdigest() if hasattr(
            hashlib, 'file_digest') else hashlib.sha256(f.read()).hexdigest()
    return dict(file=osp.basename(path), num_samples=len(items), sha256=digest,
                downscaled=downscaled)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('source', help='image folder (any layout) or .txt file list')
    parser.add_argument('out_dir', help='new (or empty) folder for the shards')
    parser.add_argument('--shard-size', type=int, default=1000, help='samples per shard')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--prefix', default='shard')
    parser.add_argument('--max-size', type=int, default=0, help='downscale images whose '
                        'longer side is over N pixels to N, stored as JPEG (0: keep all)')
    parser.add_argument('--jpeg-quality', type=int, default=90,
                        help='JPEG quality of downscaled images. Defaults to 90.')
    parser.add_argument('--no-labels', action='store_true',
                        help='no class labels, even from an ImageFolder')
    args = parser.parse_args(argv)
    if osp.exists(args.out_dir) and os.listdir(args.out_dir):
        raise FileExistsError(f'{args.out_dir} exists and is not empty: refusing to overwrite '
                              'shards; choose a new folder or remove it yourself')
    items, classes, layout = list_images(args.source, not args.no_labels)
    print(f'[images2shards] {args.source}: {len(items)} images found; {layout}')
    with Pool(args.workers) as pool:
        errors = pool.map(check_image, items, chunksize=64)
        skipped = [dict(path=item[0], error=err) for item, err in zip(items, errors) if err]
        good = [item for item, err in zip(items, errors) if not err]
        for entry in skipped:
            print(f'[images2shards] skipped unreadable {entry["path"]}: {entry["error"]}')
        os.makedirs(args.out_dir, exist_ok=True)
        jobs = [(osp.join(args.out_dir, f'{args.prefix}-{n:06d}.tar'), start,
                 good[start:start + args.shard_size])
                for n, start in enumerate(range(0, len(good), args.shard_size))]
        shards = pool.map(partial(write_shard, max_size=args.max_size,
                                  quality=args.jpeg_quality), jobs)
    downscaled = sum(s.pop('downscaled') for s in shards)
    manifest = dict(format=MANIFEST_FORMAT, source=osp.abspath(args.source),
                    num_samples=len(good), num_found=len(items), layout=layout,
                    classes=classes, max_size=args.max_size, num_downscaled=downscaled,
                    shards=shards, skipped=skipped)
    with open(osp.join(args.out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    size = sum(osp.getsize(osp.join(args.out_dir, s['file'])) for s in shards) / 2**20
    print(f'[images2shards] found {len(items)} = packed {len(good)} + unreadable '
          f'{len(skipped)}; {len(shards)} shard(s), {size:.1f} MiB'
          + (f', {downscaled} downscaled to <= {args.max_size} px' if args.max_size else '')
          + f': {osp.join(args.out_dir, "manifest.json")}')
    return manifest


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
