# Copyright (c) mmswav contributors. All rights reserved.
"""What ``images2shards.py --max-size`` does to large photos: shard size, packing time and
the data time of the published multi-crop (2 x 224 + 6 x 96) per image.

    python tools/benchmarks/shard_max_size.py --photos data/raccoon/images --num 24 \
        --long-side 4000 --max-sizes 0 1024 512 --scratch /tmp/shard_bench \
        --out docs/clusters_results/shard_max_size.json

The first ``--num`` photos are upscaled (Lanczos) to ``--long-side`` pixels on their longer
side and saved as JPEG (quality 92) in the scratch folder, standing in for camera photos and
wallpapers. Each ``--max-sizes`` value packs them (through the command line; 0: as they are);
the data time is the CPU time (``time.process_time``, robust to a busy machine) of reading
every sample of the shards through ``WebDatasetShards`` with the published pipeline, one
process, one thread.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINE = [dict(type='MultiView', num_views=[2, 6], transforms=[
    [dict(type='FastSwAVView', size=224, scale=(0.14, 1.))],
    [dict(type='FastSwAVView', size=96, scale=(0.05, 0.14))]]), dict(type='PackInputs')]


def make_photos(photos: str, num: int, long_side: int, folder: str) -> list:
    """Upscaled JPEG copies of the first ``num`` photos; their sizes."""
    os.makedirs(folder, exist_ok=True)
    sizes = []
    for name in sorted(os.listdir(photos))[:num]:
        with Image.open(osp.join(photos, name)) as img:
            scale = long_side / max(img.size)
            big = img.convert('RGB').resize((round(img.width * scale),
                                             round(img.height * scale)), Image.LANCZOS)
        big.save(osp.join(folder, osp.splitext(name)[0] + '.jpg'), quality=92)
        sizes.append(big.size)
    return sizes


def data_cpu_seconds(manifest: str) -> float:
    """CPU seconds to decode and crop every sample of the shards, once."""
    from mmswav.datasets.shards import WebDatasetShards
    from mmswav.utils import register_all_modules
    register_all_modules()
    dataset = WebDatasetShards(manifest, pipeline=PIPELINE, shuffle=False)
    start = time.process_time()
    count = sum(1 for _ in dataset)
    return (time.process_time() - start) / count


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--photos', default='data/raccoon/images')
    parser.add_argument('--num', type=int, default=24)
    parser.add_argument('--long-side', type=int, default=4000)
    parser.add_argument('--max-sizes', type=int, nargs='+', default=[0, 1024, 512])
    parser.add_argument('--scratch', default='/tmp/shard_max_size')
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    big = osp.join(args.scratch, 'photos')
    sizes = make_photos(args.photos, args.num, args.long_side, big)
    rows = []
    for max_size in args.max_sizes:
        out_dir = osp.join(args.scratch, f'shards_{max_size}')
        subprocess.run(['rm', '-rf', out_dir], check=True)
        start = time.time()
        subprocess.run([sys.executable, osp.join(REPO, 'tools/dataset_converters/images2shards.py'),
                        big, out_dir, '--workers', '1', '--shard-size', str(args.num),
                        '--max-size', str(max_size)], check=True, cwd=REPO)
        pack = time.time() - start
        manifest = osp.join(out_dir, 'manifest.json')
        mib = sum(osp.getsize(osp.join(out_dir, f)) for f in os.listdir(out_dir)
                  if f.endswith('.tar')) / 2**20
        rows.append(dict(max_size=max_size, shard_mib=mib, mib_per_image=mib / args.num,
                         pack_wall_s=pack, data_cpu_s_per_image=data_cpu_seconds(manifest)))
        print(json.dumps(rows[-1]), flush=True)
    result = dict(photos=args.photos, num=args.num, sizes=sizes, rows=rows,
                  machine='AMD EPYC, 2 cores shared', threads=os.environ.get('OMP_NUM_THREADS'),
                  load_average=os.getloadavg())
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    main()
