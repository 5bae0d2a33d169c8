# Copyright (c) mmswav contributors. All rights reserved.
"""The stages of the shard pipeline, each a generator over the previous one's samples:
read (:mod:`.tar_reader`, webdataset's sample format) -> repeat to a fixed length ->
shuffle buffer -> skip what a resumed run already trained -> decode, substituting
undecodable samples."""
import itertools
from typing import Callable, Iterable, Iterator, Optional, Sequence, Tuple

from .tar_reader import tar_samples

IMAGE_EXTENSIONS = ('jpg', 'jpeg', 'png', 'webp', 'bmp', 'ppm', 'pgm', 'tif', 'tiff')


def _webdataset():
    try:
        import webdataset
    except ImportError as error:
        raise ImportError('reading shards needs the webdataset package: pip install '
                          'webdataset==1.0.2 (tools/install.sh installs it)') from error
    return webdataset


def read_shards(shards: Sequence[Tuple[str, int]]) -> Iterator[dict]:
    """The raw samples (``{'__key__', 'jpg': bytes, ...}``) of tar shards, in order, each
    with ``'__index__'``: the shard's first sample index (``offset``) plus its position."""
    for path, offset in shards:
        try:
            for i, sample in enumerate(tar_samples(path)):
                sample['__index__'] = offset + i
                yield sample
        except Exception as error:  # noqa: BLE001  a broken tar, not a broken member
            raise OSError(f'cannot read shard {path}: {type(error).__name__}: {error}. '
                          'Re-create it (images2shards.py) or remove it from the '
                          'manifest') from error


def repeat_to(make_stream: Callable[[], Iterable], length: int) -> Iterator:
    """Exactly ``length`` items: ``make_stream()``'s, restarted from its start (a fresh
    call) as often as needed, and cut after ``length``."""
    produced = 0
    while produced < length:
        before = produced
        for item in itertools.islice(make_stream(), length - produced):
            produced += 1
            yield item
        if produced == before:
            raise ValueError('repeat_to: the stream is empty')


def shuffle_buffer(stream: Iterable, size: int, seed: int, initial: Optional[int] = None
                   ) -> Iterator:
    """``webdataset.shuffle``: a buffer of ``size`` items, seeded (the same ``seed`` and
    input give the same order); ``size <= 1`` keeps the order."""
    if size <= 1:
        return iter(stream)
    initial = size if initial is None else initial
    return _webdataset().shuffle(size, initial, seed=seed)(iter(stream))


def skip(stream: Iterable, count: int) -> Iterator:
    """The stream without its first ``count`` items (already trained before a resume)."""
    return itertools.islice(stream, count, None)


def load_or_substitute(stream: Iterable[Tuple[int, dict]],
                       load: Callable[[dict, int], Optional[dict]],
                       on_failure: Callable[[dict, Exception], None]) -> Iterator[dict]:
    """``load(raw, position)`` every ``(position, raw)``; where it raises (or returns None),
    ``on_failure`` is told and the last loadable raw sample is loaded again in its place
    (the first loadable one for failures before it), so the count, and with it the batches
    of every worker, stays the same. Raises when no sample of the stream loads."""
    last_good, pending = None, []
    for position, raw in stream:
        try:
            results = load(raw, position)
            if results is None:
                raise ValueError('the pipeline dropped the sample')
        except Exception as error:  # noqa: BLE001  undecodable member or failing transform
            on_failure(raw, error)
            if last_good is None:
                pending.append(position)
                continue
            results = load(last_good, position)
        else:
            last_good = raw
        for earlier in pending:
            yield load(last_good, earlier)
        pending = []
        yield results
    if pending:
        raise OSError(f'none of the {len(pending)} samples of this reader could be loaded; '
                      'see the warnings above')
