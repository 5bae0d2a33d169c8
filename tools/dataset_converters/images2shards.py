# Copyright (c) mmswav contributors. All rights reserved.
"""Pack an ImageFolder or a file list into WebDataset tar shards with a manifest.

    python tools/dataset_converters/images2shards.py data/cifar10-jpg/train \
        data/cifar10-shards/train --shard-size 1000 --workers 2

SOURCE is an ImageFolder (``<class>/<image>``, labels from the sorted class folders, kept as
``cls`` members) or a ``.txt`` list (``path [label]`` per line, relative paths to the list's
folder). Every image is first decoded (in ``--workers`` processes); unreadable ones are
skipped and listed (printed, and in the manifest's ``skipped``). The readable ones, in the
listing's order, fill shards of exactly ``--shard-size`` samples (the last one the rest);
the shards are written in parallel with their original bytes (``<index>.jpg``, ``.cls``),
then ``manifest.json`` (shards, counts, sha256). OUT_DIR must not exist or be empty.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys
from multiprocessing import Pool
from typing import List, Optional, Tuple

from mmswav.datasets.shards.manifest import MANIFEST_FORMAT
from mmswav.datasets.transforms.robust_loading import decode_rgb

EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')
Item = Tuple[str, Optional[int]]


def list_images(source: str) -> Tuple[List[Item], Optional[List[str]]]:
    """``[(path, label or None)]`` and the class names (None for a file list)."""
    if osp.isfile(source):
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
        return items, None
    if not osp.isdir(source):
        raise FileNotFoundError(f'{source} is neither an ImageFolder nor a file list')
    classes = sorted(d.name for d in os.scandir(source) if d.is_dir())
    items = []
    for label, name in enumerate(classes):
        for folder, dirs, files in os.walk(osp.join(source, name)):
            dirs.sort()
            items.extend((osp.join(folder, f), label) for f in sorted(files)
                         if f.lower().endswith(EXTENSIONS))
    if not items:
        raise ValueError(f'{source}: no images in <class>/<image> folders')
    return items, classes


def check_image(item: Item) -> Optional[str]:
    """None when the image decodes, else the error."""
    try:
        decode_rgb(item[0])
        return None
    except Exception as error:  # noqa: BLE001
        return f'{type(error).__name__}: {error}'


def write_shard(job: Tuple[str, int, List[Item]]) -> dict:
    """Write one shard (keys are the global sample indices); its manifest entry."""
    from webdataset import TarWriter
    path, first, items = job
    with open(path, 'xb') as f, TarWriter(f, encoder=False, mtime=0) as tar:
        for i, (image, label) in enumerate(items):
            ext = osp.splitext(image)[1].lower().lstrip('.').replace('jpeg', 'jpg')
            with open(image, 'rb') as img:
                sample = {'__key__': f'{first + i:09d}', ext: img.read()}
            if label is not None:
                sample['cls'] = str(label).encode()
            tar.write(sample)
    with open(path, 'rb') as f:
        digest = hashlib.file_digest(f, 'sha256').hexdigest() if hasattr(
            hashlib, 'file_digest') else hashlib.sha256(f.read()).hexdigest()
    return dict(file=osp.basename(path), num_samples=len(items), sha256=digest)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('source', help='ImageFolder root or .txt file list')
    parser.add_argument('out_dir', help='new (or empty) folder for the shards')
    parser.add_argument('--shard-size', type=int, default=1000, help='samples per shard')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--prefix', default='shard')
    args = parser.parse_args(argv)
    if osp.exists(args.out_dir) and os.listdir(args.out_dir):
        raise FileExistsError(f'{args.out_dir} exists and is not empty: refusing to overwrite '
                              'shards; choose a new folder or remove it yourself')
    items, classes = list_images(args.source)
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
        shards = pool.map(write_shard, jobs)
    manifest = dict(format=MANIFEST_FORMAT, source=osp.abspath(args.source),
                    num_samples=len(good), classes=classes, shards=shards, skipped=skipped)
    with open(osp.join(args.out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    print(f'[images2shards] {len(good)} images in {len(shards)} shards, {len(skipped)} '
          f'unreadable skipped: {osp.join(args.out_dir, "manifest.json")}')
    return manifest


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
