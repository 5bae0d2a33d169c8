# Copyright (c) mmswav contributors. All rights reserved.
"""The shard manifest (written by ``tools/dataset_converters/images2shards.py``) and the
per-epoch plan: which shards each (rank, worker) slot reads and how many samples it yields."""
import json
import os.path as osp
from typing import Dict, List, NamedTuple, Sequence

import numpy as np

MANIFEST_FORMAT = 'mmswav-shards-v1'


def load_manifest(path: str) -> Dict:
    """Read and check a ``manifest.json``; shard paths are made absolute (relative ones are
    relative to the manifest's folder).

    Returns:
        Dict: ``{'shards': [{'file', 'num_samples', 'sha256'}], 'num_samples': int, ...}``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'shard manifest {path} does not exist: make the shards with '
                                'tools/dataset_converters/images2shards.py')
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get('format') != MANIFEST_FORMAT or not manifest.get('shards'):
        raise ValueError(f'{path} is not an mmswav shard manifest (format '
                         f'{MANIFEST_FORMAT!r} with a non-empty "shards" list)')
    root = osp.dirname(osp.abspath(path))
    for shard in manifest['shards']:
        shard['file'] = osp.join(root, shard['file'])
        if int(shard['num_samples']) <= 0:
            raise ValueError(f'{path}: shard {shard["file"]} has no samples')
    total = sum(int(s['num_samples']) for s in manifest['shards'])
    if manifest.get('num_samples', total) != total:
        raise ValueError(f'{path}: num_samples {manifest["num_samples"]} is not the sum of '
                         f'the shard counts ({total})')
    manifest['num_samples'] = total
    return manifest


class EpochPlan(NamedTuple):
    """Shards per slot (slot = ``rank * num_workers + worker``) and samples per slot."""
    slots: List[List[int]]
    samples_per_slot: int


def samples_per_slot(counts: Sequence[int], num_slots: int, batch_size: int) -> int:
    """The samples every slot yields per epoch, the same in every epoch: the largest load a
    slot can get (the ``ceil(N / num_slots)`` largest shards), rounded up to whole batches.

    Slots with fewer samples repeat their own stream from its start to reach it, so an epoch
    has ``num_slots * samples_per_slot - sum(counts)`` duplicates: none when the shards are
    equal, their number divides by ``num_slots`` and a slot's share divides by the batch.
    """
    if len(counts) < num_slots:
        raise ValueError(f'{len(counts)} shards for {num_slots} readers (ranks x dataloader '
                         'workers): every reader needs a shard. Make smaller shards '
                         '(images2shards.py --shard-size) or use fewer workers')
    per_slot = -(-len(counts) // num_slots)
    most = sum(sorted((int(c) for c in counts), reverse=True)[:per_slot])
    return -(-most // batch_size) * batch_size


def plan_epoch(counts: Sequence[int], num_slots: int, batch_size: int, seed: int, epoch: int,
               shuffle: bool = True) -> EpochPlan:
    """Deal the shards, in an order seeded by ``(seed, epoch)``, round-robin to the slots."""
    order = np.arange(len(counts))
    if shuffle:
        order = np.random.default_rng([seed % 2**63, epoch]).permutation(len(counts))
    slots = [[int(i) for i in order[s::num_slots]] for s in range(num_slots)]
    return EpochPlan(slots, samples_per_slot(counts, num_slots, batch_size))
