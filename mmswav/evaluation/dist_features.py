# Copyright (c) mmswav contributors. All rights reserved.
"""Feature extraction over processes (each rank a contiguous share, gathered in dataset
order), in memory or, over a memory budget, into float16 memory maps on disk."""
import os
import os.path as osp
from typing import Callable, Dict, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import default_collate
from mmengine.dist import all_gather_object, barrier, get_dist_info
from torch import Tensor
from torch.utils.data import DataLoader, Subset

from .features import extract_features, gap_features


def rank_share(num_samples: int, rank: int, world_size: int) -> range:
    """The contiguous indices of ``rank`` (shares differ by at most one sample)."""
    bounds = np.linspace(0, num_samples, world_size + 1).round().astype(int)
    return range(int(bounds[rank]), int(bounds[rank + 1]))


@torch.no_grad()
def _write_rows(model: nn.Module, loader: DataLoader, fn: Callable, maps: Dict[str, np.ndarray],
                row: int) -> Tensor:
    """Write every batch's features into ``maps`` from ``row`` on; the labels."""
    model.eval()
    labels = []
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        inputs = data['inputs'][0] if isinstance(data['inputs'], (list, tuple)) \
            else data['inputs']
        for name, feat in fn(model, inputs).items():
            maps[name][row:row + len(feat)] = feat.to(torch.float16).cpu().numpy()
        row += len(inputs)
        for sample in data['data_samples']:
            label = sample.get('gt_label', None)
            labels.append(int(label[0]) if label is not None and len(label) else -1)
    return torch.tensor(labels, dtype=torch.long)


@torch.no_grad()
def _dims(model: nn.Module, dataset, fn: Callable) -> Dict[str, int]:
    model.eval()
    data = model.data_preprocessor(default_collate([dataset[0]]), False)
    inputs = data['inputs'][0] if isinstance(data['inputs'], (list, tuple)) else data['inputs']
    return {name: feat.shape[1] for name, feat in fn(model, inputs).items()}


def extract_features_dist(model: nn.Module, dataset, batch_size: int = 256,
                          num_workers: int = 2, fn: Callable = gap_features,
                          progress: bool = True, memory_budget_gb: float = 8.,
                          memmap_dir: Optional[str] = None, prefix: str = 'features'
                          ) -> Tuple[Dict[str, Union[Tensor, np.ndarray]], Tensor]:
    """:func:`extract_features` of the whole ``dataset`` with every rank doing its share.

    Without a process group it is the single-process extraction. Features of all ranks
    whose float32 size is within ``memory_budget_gb`` are gathered to every rank as
    tensors, in dataset order. Larger ones are written by each rank, batch by batch, into
    ``<memmap_dir>/<prefix>_<name>.npy`` (float16 ``[N, D]``, a directory every rank sees)
    and returned as read-only memory maps (``np.load(path, mmap_mode='r')`` reopens them).

    Returns:
        Tuple[Dict[str, Tensor | np.ndarray], Tensor]: Features ``{name: [N, D]}`` and the
        labels ``[N]`` (``-1`` where a sample has none).
    """
    rank, world = get_dist_info()
    share = rank_share(len(dataset), rank, world)
    loader = DataLoader(Subset(dataset, share), batch_size=batch_size, shuffle=False,
                        num_workers=num_workers, collate_fn=default_collate)
    dims = _dims(model, dataset, fn)
    nbytes = len(dataset) * sum(dims.values()) * 4
    if nbytes <= memory_budget_gb * 2**30:
        local, labels = extract_features(model, loader, fn, progress=progress and rank == 0)
        if world == 1:
            return local, labels
        parts = all_gather_object((local, labels))  # in rank order
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
    labels = _write_rows(model, loader, fn, maps, share.start)
    for m in maps.values():
        m.flush()
    maps.clear()  # closes the writable maps
    labels = torch.cat(all_gather_object(labels)) if world > 1 else labels
    barrier()
    return {name: np.load(path, mmap_mode='r') for name, path in paths.items()}, labels
