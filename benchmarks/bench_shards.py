# Copyright (c) mmswav contributors. All rights reserved.
"""Images per second per core from WebDataset shards vs the JPEG folder, the quick start's
training pipeline (decode, 2 x 32 px FastSwAVView, PackInputs) on both sides, alternating.

    python tools/dataset_converters/images2shards.py data/cifar10-jpg/train \
        data/cifar10-shards/train --shard-size 1000
    OMP_NUM_THREADS=1 python benchmarks/bench_shards.py --images 2000 --repeats 3

One process, no dataloader workers (so the rate is per core, CPU time); both sides reseed
the augmentations per sample as in training (``set_epoch``); the shards are read as one
epoch's stream (the shuffle buffer fills once). The quick-start
epoch estimate is max(data time per epoch with its one worker, 390 steps x the measured
0.42 s per step): the data side is hidden behind the model step when it is faster.
"""
import argparse
import itertools
import os.path as osp
import statistics
import sys

from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from common import CPU, alternate, machine  # noqa: E402

from mmswav.datasets.shards import WebDatasetShards  # noqa: E402
from mmswav.utils import register_all_modules  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
QUICKSTART = osp.join(REPO, 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e'
                      '_cifar10-32.py')
STEP_S, STEPS, IMAGES = 0.42, 390, 50000  # the measured quick start (README)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--folder', default='data/cifar10-jpg/train')
    parser.add_argument('--manifest', default='data/cifar10-shards/train/manifest.json')
    parser.add_argument('--images', type=int, default=2000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(QUICKSTART)
    pipeline = cfg.train_dataloader.dataset.pipeline  # RobustLoadImageFromFile, MultiView, Pack
    from mmpretrain.datasets import CustomDataset
    folder = CustomDataset(data_root=args.folder, with_label=False, pipeline=pipeline)
    folder.pipeline.transforms[0].set_epoch(0, 0)  # per-sample seeds, as in training
    shards = WebDatasetShards(args.manifest, pipeline=pipeline[1:], buffer_size=1000)
    shards.set_epoch(0, 0)
    start = {'i': 0}
    stream = {'it': iter(shards)}  # one epoch's stream: the buffer fills once, as in training

    def run_folder() -> float:
        for i in range(start['i'], start['i'] + args.images):
            folder[i % len(folder)]
        start['i'] += args.images
        return args.images

    def run_shards() -> float:
        got = sum(1 for _ in itertools.islice(stream['it'], args.images))
        if got < args.images:  # the epoch ended: the next one
            stream['it'] = iter(shards)
            got += sum(1 for _ in itertools.islice(stream['it'], args.images - got))
        return got

    rates = alternate({'JPEG folder': run_folder, 'shards': run_shards}, args.repeats)
    rows = {}
    for name in ('JPEG folder', 'shards'):
        rate = statistics.median(rates[name + CPU])  # per core: this process's CPU time
        data_s = IMAGES / rate
        rows[name] = dict(images_per_s_per_core=rate,
                          images_per_s_wall=statistics.median(rates[name]),
                          data_s_per_epoch_1_worker=data_s,
                          epoch_estimate_s=max(data_s, STEP_S * STEPS))
    print(f'# {machine()} (after the run)')
    print('| Source | images/s per core (CPU time) | images/s (wall) | data time per epoch '
          '(1 worker) | quick-start epoch estimate |\n| :--- | ---: | ---: | ---: | ---: |')
    for name, r in rows.items():
        print(f'| {name} | {r["images_per_s_per_core"]:.0f} | {r["images_per_s_wall"]:.0f} | '
              f'{r["data_s_per_epoch_1_worker"]:.0f} s | {r["epoch_estimate_s"]:.0f} s |')
    return rows


if __name__ == '__main__':
    main()
