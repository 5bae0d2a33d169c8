# Copyright (c) mmswav contributors. All rights reserved.
import io
import multiprocessing
from typing import Dict, Iterator, Optional, Sequence

import numpy as np
from mmengine.dataset import Compose
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from torch.utils.data import IterableDataset, get_worker_info

from mmswav.registry import DATASETS

from ..transforms.robust_loading import decode_rgb_file, seed_sample
from .manifest import load_manifest, plan_epoch, samples_per_slot
from .stages import (
    IMAGE_EXTENSIONS,
    load_or_substitute,
    read_shards,
    repeat_to,
    shuffle_buffer,
    skip,
)

_MAX_LISTED = 20


def _seed(*values: int) -> int:
    return int(np.random.SeedSequence([v % 2**63 for v in values]).generate_state(1)[0])


@DATASETS.register_module()
class WebDatasetShards(IterableDataset):
    """Images streamed from WebDataset tar shards, split over ranks and dataloader workers.

    Every epoch the shards are dealt, in an order seeded by ``(seed, epoch)``, to the
    ``world_size x num_workers`` readers; each reader repeats its own stream up to the same
    fixed count (:func:`samples_per_slot`, whole batches), shuffles it in a seeded buffer of
    raw bytes, decodes and runs ``pipeline``. Worker ``w`` of a rank makes the rank's batches
    ``w, w + W, ...``, so the batch order depends on the seed, epoch, ranks and workers only.
    Every sample comes once per epoch when the shards are equal, their number divides by
    ``ranks x workers`` and a reader's share divides by ``batch_size``; otherwise an epoch
    has ``ranks * len(self) - num_samples`` duplicates (logged when it is built).

    Undecodable members are named in the log (the first 20 per process), counted
    (:attr:`num_skipped`, logged per epoch by ``SkippedImagesHook``) and replaced by the
    reader's previous sample. ``SkippedImagesHook`` sets the epoch and seed; ``InterruptHook``
    :meth:`set_start_batch` after a resume, so the epoch continues where it stopped in the
    same order, with the same crops (augmentations are seeded per reader position).

    Args:
        manifest (str): ``manifest.json`` of the shards (images2shards.py).
        pipeline (Sequence[dict]): Transforms after decoding (``img`` is set), e.g.
            ``MultiView`` and ``PackInputs``. Defaults to ().
        batch_size (int): The dataloader's batch size. Defaults to 1.
        num_workers (int): The dataloader's ``num_workers`` (checked). Defaults to 0.
        shuffle (bool): Shuffle the shards and the samples. Defaults to True.
        buffer_size (int): Shuffle buffer (raw samples per worker). Defaults to 1000.
        with_label (bool): Set ``gt_label`` from the ``cls`` member. Defaults to False.
        max_pixels (int, optional): Larger images count as undecodable. Defaults to 2**28.
        channel_order (str): ``'bgr'`` (mmcv's loader) or ``'rgb'``. Defaults to ``'bgr'``.
        draft_views (Sequence[dict], optional): Decode large JPEGs at the scale these crops
            can use, as ``RobustLoadImageFromFile(draft_views=...)``. Defaults to None.
    """

    def __init__(self, manifest: str, pipeline: Sequence[dict] = (), batch_size: int = 1,
                 num_workers: int = 0, shuffle: bool = True, buffer_size: int = 1000,
                 with_label: bool = False, max_pixels: Optional[int] = 2**28,
                 channel_order: str = 'bgr',
                 draft_views: Optional[Sequence[dict]] = None) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f'WebDatasetShards: channel_order must be "bgr" or "rgb", got '
                             f'{channel_order!r}')
        self.manifest_path = manifest
        self.manifest = load_manifest(manifest)
        self.counts = [int(s['num_samples']) for s in self.manifest['shards']]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).tolist()
        self.pipeline = Compose(pipeline)
        self.batch_size, self.num_workers = int(batch_size), int(num_workers)
        self.shuffle, self.buffer_size = shuffle, int(buffer_size) if shuffle else 0
        self.with_label, self.max_pixels = with_label, max_pixels
        self.channel_order = channel_order
        self.draft_views = [dict(v) for v in draft_views] if draft_views else None
        # shared memory: set by hooks in the main process, read by the workers
        self._skipped = multiprocessing.Value('q', 0)
        self._seed = multiprocessing.Value('q', 0)
        self._epoch = multiprocessing.Value('q', -1)
        self._start_batch = multiprocessing.Value('q', 0)
        self._listed = 0
        # the rank and world size of the main process (dataloader workers do not know them)
        self._rank, self._world = get_dist_info()
        extra = self._world * len(self) - self.manifest['num_samples']
        print_log(f'WebDatasetShards: {self.manifest["num_samples"]} samples in '
                  f'{len(self.counts)} shards, {len(self)} per rank x {self._world} rank(s)'
                  + (f': {extra} duplicates per epoch (see the class docstring)' if extra
                     else ''), logger='current')

    @property
    def metainfo(self) -> Dict:
        return dict(classes=self.manifest.get('classes'))

    @property
    def num_skipped(self) -> int:
        """Undecodable samples skipped so far, over all processes of this rank."""
        return int(self._skipped.value)

    def set_epoch(self, epoch: int, seed: int) -> None:
        """Set the epoch and the seed, the same on every rank (main process)."""
        self._epoch.value, self._seed.value = int(epoch), int(seed)

    def set_start_batch(self, batch: int) -> None:
        """Start the next iteration at this rank's batch ``batch`` of the epoch (resume)."""
        self._start_batch.value = int(batch)

    def __len__(self) -> int:
        """Samples per rank and epoch."""
        workers = max(self.num_workers, 1)
        slots = self._world * workers
        return workers * samples_per_slot(self.counts, slots, self.batch_size)

    def _load(self, raw: dict, position: int, reader_seed: int) -> Optional[dict]:
        ext = next((e for e in IMAGE_EXTENSIONS if e in raw), None)
        if ext is None:
            raise KeyError(f'no image member (one of {IMAGE_EXTENSIONS})')
        img = decode_rgb_file(io.BytesIO(raw[ext]), self.max_pixels,
                              self.draft_views)  # [H, W, 3] RGB
        if self.channel_order == 'bgr':
            img = np.ascontiguousarray(img[..., ::-1])
        results = dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                       sample_idx=raw['__index__'],
                       img_path=f'{raw["__url__"]}/{raw["__key__"]}.{ext}')
        if self.with_label and 'cls' in raw:
            results['gt_label'] = int(raw['cls'])
        seed_sample(np.random.SeedSequence([reader_seed, position]).generate_state(2))
        return self.pipeline(results)

    def _failed(self, raw: dict, error: Exception) -> None:
        with self._skipped.get_lock():
            self._skipped.value += 1
        if self._listed < _MAX_LISTED:
            self._listed += 1
            print_log(f'WebDatasetShards: skipped undecodable sample {raw.get("__key__")} of '
                      f'{raw.get("__url__")}: {type(error).__name__}: {error}'
                      + (' (further skips are only counted)' if self._listed == _MAX_LISTED
                         else ''), logger='current', level=30)

    def __iter__(self) -> Iterator[dict]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        if workers != max(self.num_workers, 1):
            raise ValueError(f'WebDatasetShards was built for num_workers={self.num_workers} '
                             f'but the dataloader has {workers if info else 0}: set the '
                             'dataset num_workers to the dataloader num_workers')
        rank, world = self._rank, self._world
        epoch, seed = max(int(self._epoch.value), 0), int(self._seed.value)
        start = int(self._start_batch.value)
        # after a resume the rank's batch `start` is the first: worker w plays the reader
        # that makes it, and skips the batches its reader made before
        reader = (worker + start) % workers
        done = (start - reader + workers - 1) // workers if start > reader else 0
        plan = plan_epoch(self.counts, world * workers, self.batch_size, seed, epoch,
                          self.shuffle)
        slot = rank * workers + reader
        shards = [(self.manifest['shards'][i]['file'], self.offsets[i])
                  for i in plan.slots[slot]]
        reader_seed = _seed(seed, epoch, slot)
        stream = repeat_to(lambda: read_shards(shards), plan.samples_per_slot)
        stream = shuffle_buffer(stream, self.buffer_size, reader_seed)
        stream = skip(enumerate(stream), done * self.batch_size)
        yield from load_or_substitute(
            stream, lambda raw, pos: self._load(raw, pos, reader_seed), self._failed)
