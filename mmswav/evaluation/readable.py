# Copyright (c) mmswav contributors. All rights reserved.
"""Samples of an mmengine dataset with unreadable images left out, never replaced.

mmengine's ``BaseDataset.__getitem__`` answers a pipeline that returns None (what
``RobustLoadImageFromFile`` does for an unreadable file) with a random *other* sample: right
for training, wrong for analysis and evaluation, where every row must be the image it names.
:class:`ReadableSamples` returns a :class:`Skipped` marker instead, and
:func:`collate_readable` drops the markers from a batch and lists them beside it.
"""
import functools
from typing import Callable, List, NamedTuple, Optional, Sequence

from mmengine.dataset import default_collate
from mmengine.logging import print_log
from torch.utils.data import Dataset

MAX_NAMED = 10  # unreadable files named in a summary; the rest are only counted


class Skipped(NamedTuple):
    """An unreadable sample: its position (in the dataset the caller iterates) and path."""
    index: int
    path: str


class ReadableSamples(Dataset):
    """``dataset[i]`` without mmengine's substitution: a :class:`Skipped` where the pipeline
    drops the sample (an unreadable image with ``RobustLoadImageFromFile``).

    Other attributes (``metainfo``, ``get_data_info``...) are the wrapped dataset's.

    Args:
        dataset: An mmengine ``BaseDataset`` whose pipeline returns None for an unreadable
            image.
    """

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        sample = self.dataset.prepare_data(index)
        if sample is None:
            return Skipped(index, str(self.dataset.get_data_info(index).get('img_path', '?')))
        return sample

    def __getattr__(self, name: str):
        if name == 'dataset':  # not set yet (unpickling in a worker): no recursion
            raise AttributeError(name)
        return getattr(self.dataset, name)


def collate_readable(batch: Sequence, collate: Callable = default_collate) -> dict:
    """``collate`` of the readable samples of ``batch``, with two more keys:
    ``'readable'`` (their positions in ``batch``) and ``'skipped'`` (the :class:`Skipped`
    markers, their ``index`` replaced by the position in ``batch``)."""
    readable = [i for i, s in enumerate(batch) if not isinstance(s, Skipped)]
    skipped = [Skipped(i, s.path) for i, s in enumerate(batch) if isinstance(s, Skipped)]
    data = collate([batch[i] for i in readable]) if readable else dict(inputs=None,
                                                                       data_samples=[])
    data = dict(data)
    data.update(readable=readable, skipped=skipped)
    return data


collate_readable.drops_unreadable = True


def model_batch(batch: dict) -> dict:
    """The ``inputs`` and ``data_samples`` of a :func:`collate_readable` batch, as a data
    preprocessor takes them."""
    return dict(inputs=batch['inputs'], data_samples=batch['data_samples'])


def use_readable_collate(loader) -> None:
    """Make ``loader`` drop :class:`Skipped` markers (its own collate runs on the rest)."""
    if not getattr(loader.collate_fn, 'drops_unreadable', False):
        collate = functools.partial(collate_readable, collate=loader.collate_fn)
        collate.drops_unreadable = True
        loader.collate_fn = collate


def summarize_skipped(skipped: List[Skipped], total: int, what: str = 'images',
                      logger: Optional[str] = 'current') -> str:
    """Log (warning) and return one line: how many of ``total`` were unreadable, naming the
    first :data:`MAX_NAMED`. Returns '' when none was."""
    if not skipped:
        return ''
    names = ', '.join(s.path for s in skipped[:MAX_NAMED])
    more = f' and {len(skipped) - MAX_NAMED} more' if len(skipped) > MAX_NAMED else ''
    line = (f'skipped {len(skipped)} unreadable file(s) of {total} {what} (left out, not '
            f'replaced): {names}{more}')
    print_log(line, logger=logger, level=30)
    return line
