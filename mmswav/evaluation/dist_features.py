# Copyright (c) mmswav contributors. All rights reserved.
"""Feature extraction over processes (each rank a contiguous share, gathered in dataset
order), in memory or, over a memory budget, into float16 memory maps on disk. Unreadable
images are left out and listed (:mod:`mmswav.evaluation.readable`)."""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import default_collate
from mmengine.dist import all_gather_object, barrier, get_dist_info
from torch import Tensor
from torch.utils.data import DataLoader, Subset

from .features import extract_features, gap_features, sample_labels
from .readable import Skipped, collate_readable, model_batch, summarize_skipped


def rank_share(num_samples: int, rank: int, world_size: int) -> range:
    """The contiguous indices of ``rank`` (shares differ by at most one sample)."""
    bounds = np.linspace(0, num_samples, world_size + 1).round().astype(int)
    return range(int(bounds[rank]), int(bounds[rank + 1]))


@torch.no_grad()
def _write_rows(model: nn.Module, loader: DataLoader, fn: Callable, maps: Dict[str, np.ndarray],
                row: int, skipped: List[Skipped]) -> Tensor:
    """Write every batch's features into ``maps`` from ``row`` on (an unreadable sample's row
    stays empty and goes to ``skipped``); the labels of the readable ones."""
    model.eval()
    labels = []
    for batch in loader:
        skipped += [Skipped(row + s.index, s.path) for s in batch['skipped']]
        rows = row + np.asarray(batch['readable'], dtype=np.int64)
        row += len(batch['readable']) + len(batch['skipped'])
        if not len(rows):
            continue
        data = model.data_preprocessor(model_batch(batch), False)
        inputs = data['inputs'][0] if isinstance(data['inputs'], (list, tuple)) \
            else data['inputs']
        for name, feat in fn(model, inputs).items():
            maps[name][rows] = feat.to(torch.float16).cpu().numpy()
        labels += sample_labels(data['data_samples'])
    return torch.tensor(labels, dtype=torch.long)


def _compact(paths: Dict[str, str], skipped: List[Skipped], total: int,
             chunk: int = 65536) -> int:
    """Move the rows of the readable samples to the front of every memory map, in order,
    chunk by chunk (a row only moves up); their number."""
    keep = np.setdiff1d(np.arange(total), [s.index for s in skipped])
    for path in paths.values():
        rows = np.load(path, mmap_mode='r+')
        for start in range(0, len(keep), chunk):
            part = keep[start:start + chunk]
            rows[start:start + len(part)] = rows[part]  # fancy indexing copies first
        rows.flush()
        del rows
    return len(keep)


@torch.no_grad()
def _dims(model: nn.Module, dataset, fn: Callable) -> Dict[str, int]:
    model.eval()
    first = next((s for s in map(dataset.__getitem__, range(len(dataset)))
                  if not isinstance(s, Skipped)), None)
    if first is None:
        raise OSError(f'none of the {len(dataset)} images could be read; see the warnings '
                      'above')
    data = model.data_preprocessor(default_collate([first]), False)
    inputs = data['inputs'][0] if isinstance(data['inputs'], (list, tuple)) else data['inputs']
    return {name: feat.shape[1] for name, feat in fn(model, inputs).items()}


def extract_features_dist(model: nn.Module, dataset, batch_size: int = 256,
                          num_workers: int = 2, fn: Callable = gap_features,
                          progress: bool = True, memory_budget_gb: float = 8.,
                          memmap_dir: Optional[str] = None, prefix: str = 'features',
                          skipped: Optional[List[Skipped]] = None
                          ) -> Tuple[Dict[str, Union[Tensor, np.ndarray]], Tensor]:
    """:func:`extract_features` of the whole ``dataset`` with every rank doing its share.

    Without a process group it is the single-process extraction. Features of all ranks
    whose float32 size is within ``memory_budget_gb`` are gathered to every rank as
    tensors, in dataset order. Larger ones are written by each rank, batch by batch, into
    ``<memmap_dir>/<prefix>_<name>.npy`` (float16 ``[N, D]``, a directory every rank sees)
    and returned as read-only memory maps (``np.load(path, mmap_mode='r')`` reopens them).

    Unreadable images (a :class:`~mmswav.evaluation.readable.Skipped` from the dataset, e.g.
    :func:`~mmswav.evaluation.build_eval_dataset`) are left out of the features and labels,
    named in the log and appended to ``skipped`` (their dataset index and path).

    Returns:
        Tuple[Dict[str, Tensor | np.ndarray], Tensor]: Features ``{name: [N, D]}`` and the
        labels ``[N]`` (``-1`` where a sample has none) of the readable images, in order.
    """
    rank, world = get_dist_info()
    share = rank_share(len(dataset), rank, world)
    loader = DataLoader(Subset(dataset, share), batch_size=batch_size, shuffle=False,
                        num_workers=num_workers, collate_fn=collate_readable)
    dims = _dims(model, dataset, fn)
    nbytes = len(dataset) * sum(dims.values()) * 4
    local_skipped: List[Skipped] = []
    if nbytes <= memory_budget_gb * 2**30:
        local, labels = extract_features(model, loader, fn, progress=progress and rank == 0,
                                         skipped=local_skipped)
        local_skipped = [Skipped(share.start + s.index, s.path) for s in local_skipped]
        if world == 1:
            (skipped if skipped is not None else []).extend(local_skipped)
            return local, labels
        parts = all_gather_object((local, labels, local_skipped))  # in rank order
        _hand_over([s for p in parts for s in p[2]], len(dataset), skipped)
        return ({name: torch.cat([p[0][name] for p in parts]) for name in dims},
                torch.cat([p[1] for p in parts]))
    if memmap_dir is None:
        raise ValueError(f'the features need {nbytes / 2**30:.1f} GiB (float32), over the '
                         f'memory budget of {memory_budget_gb} GiB: give a memmap_dir '
                         '(--memmap-dir) for float16 memory maps on disk')
    paths = {name: osp.join(memmap_dir, f'{prefix}_{name}.npy') for name in dims}
    if rank == 0:
        os.makedirs(memmap_dir, exist_ok=True)
        for name, path in paths.items():
            np.lib.format.open_memmap(path, 'w+', np.float16, (len(dataset), dims[name]))
    barrier()
    maps = {name: np.load(path, mmap_mode='r+') for name, path in paths.items()}
    labels = _write_rows(model, loader, fn, maps, share.start, local_skipped)
    for m in maps.values():
        m.flush()
    maps.clear()  # closes the writable maps
    if world > 1:
        parts = all_gather_object((labels, local_skipped))
        labels = torch.cat([p[0] for p in parts])
        local_skipped = [s for p in parts for s in p[1]]
    barrier()
    if local_skipped:
        if rank == 0:
            _compact(paths, local_skipped, len(dataset))
        barrier()
    num = len(dataset) - len(local_skipped)
    _hand_over(local_skipped, len(dataset), skipped)
    return {name: np.load(path, mmap_mode='r')[:num] for name, path in paths.items()}, labels


def _hand_over(everything: List[Skipped], total: int,
               skipped: Optional[List[Skipped]]) -> None:
    """Log the unreadable samples of all ranks and hand them to ``skipped``."""
    summarize_skipped(everything, total)
    if skipped is not None:
        skipped.extend(everything)
