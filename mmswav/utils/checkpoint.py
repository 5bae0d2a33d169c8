# Copyright (c) mmswav contributors. All rights reserved.
"""Loading checkpoints without trusting pickles (``torch.load(weights_only=True)``).

mmengine's own checkpoints (resume files, ``load_from``) pickle, besides tensors, the
message hub's ``HistoryBuffer`` objects, numpy arrays and scalars, and the bound statistics
methods of ``HistoryBuffer`` (as ``getattr(HistoryBuffer, 'min')``). :data:`safe_globals`
allowlists exactly these for torch's weights-only unpickler; ``getattr`` is replaced by a
function that only returns those four methods. So every local checkpoint is loaded
weights-only, and a pickle that would run code is refused with an error naming the file.

Opt-in for a file you trust that needs more (an old checkpoint of another codebase): list it
in ``MMSWAV_TRUSTED_CHECKPOINTS`` (paths separated by ``os.pathsep``); only those files are
loaded as full pickles, with a log line. ``MMSWAV_WEIGHTS_ONLY`` is no longer read: refusing
is the default. Downloaded checkpoints (http) keep torch's weights-only loader.
"""
import _codecs
import argparse
import functools
import os
import os.path as osp
import pickle
from typing import Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import CheckpointLoader

TRUST_ENV = 'MMSWAV_TRUSTED_CHECKPOINTS'
_STATISTICS = ('min', 'max', 'current', 'mean')
_installed = False


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read (incomplete, corrupt, not a checkpoint)."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint whose pickle needs more than the allowlisted types."""


def _history_buffer_method(obj, name: str):
    """The only ``getattr`` mmengine checkpoints need: a statistics method of
    ``HistoryBuffer``."""
    if obj is HistoryBuffer and name in _STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed')


def _latin1_encode(text: str, encoding: str = 'utf-8'):
    """``_codecs.encode`` as protocol-2 pickles of numpy bytes use it (latin1 only)."""
    if encoding not in ('latin1', 'latin-1'):
        raise pickle.UnpicklingError(f'_codecs.encode with {encoding!r} is not allowed')
    return _codecs.encode(text, encoding)


@functools.lru_cache(maxsize=None)
def safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals mmengine 0.10.7 checkpoints pickle, for
    ``torch.serialization.safe_globals``."""
    allowed: List[Union[Callable, Tuple[Callable, str]]] = [
        HistoryBuffer, argparse.Namespace, np.ndarray, np.dtype,
        (_history_buffer_method, '__builtin__.getattr'),
        (_history_buffer_method, 'builtins.getattr'),
        (_latin1_encode, '_codecs.encode')]
    try:  # numpy >= 2 (and the pickles it writes) name it numpy._core
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray
    for core in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed += [(multiarray._reconstruct, f'{core}._reconstruct'),
                    (multiarray.scalar, f'{core}.scalar')]
    for name in ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
                 'uint64', 'float16', 'float32', 'float64', 'U', 'S', 'O'):
        cls = type(np.dtype(name))
        allowed += [cls, (cls, f'numpy.dtypes.{cls.__name__}')]
    return allowed


def trusted_files() -> List[str]:
    """The real paths listed in ``MMSWAV_TRUSTED_CHECKPOINTS``."""
    listed = os.environ.get(TRUST_ENV, '')
    return [osp.realpath(osp.expanduser(p)) for p in listed.split(os.pathsep) if p]


def load_local_checkpoint(filename: str, map_location=None, mmap: bool = False) -> dict:
    """Load a local checkpoint with torch's weights-only unpickler and :func:`safe_globals`.

    Args:
        filename (str): The checkpoint file.
        map_location: As for ``torch.load``. Defaults to None.
        mmap (bool): Map the tensors' storages instead of reading them. Defaults to False.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: The pickle needs other globals and the file is not listed in
            ``MMSWAV_TRUSTED_CHECKPOINTS``.
        CheckpointError: The file is incomplete, corrupt or not a torch checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    allowed = safe_globals()
    try:
        with torch.serialization.safe_globals(allowed):
            return torch.load(filename, map_location=map_location, weights_only=True,
                              mmap=mmap)
    except pickle.UnpicklingError as error:
        reason = _reason(error)
        if not any(mark in reason for mark in _UNSAFE_MARKS):  # e.g. a truncated legacy file
            raise CheckpointError(f'{filename}: not a readable checkpoint ({reason}); it may '
                                  'be incomplete or not a checkpoint') from error
        if osp.realpath(filename) not in trusted_files():
            raise UnsafeCheckpointError(
                f'{filename}: refused, its pickle needs more than weights and mmengine\'s '
                f'training state ({reason}); loading it could run code. Only if you trust '
                f'this file, allow it with {TRUST_ENV}={filename}') from error
        print_log(f'{filename}: listed in {TRUST_ENV}, loading it as a full pickle',
                  logger='current', level=30)
        return torch.load(filename, map_location=map_location, weights_only=False)
    except Exception as error:  # torch raises RuntimeError, EOFError, ... for a bad file
        raise CheckpointError(
            f'{filename}: not a readable checkpoint ({type(error).__name__}: '
            f'{_reason(error)}); it may be incomplete (a crash or a full disk during the '
            'write)') from error


_UNSAFE_MARKS = ('GLOBAL', 'global', 'reduce', 'Can only', 'not allowed', 'blocked')
_TORCH_ADVICE = ('Weights only load failed', '(1)', '(2)', 'Check the documentation',
                 'Please file an issue')


def _reason(error: Exception) -> str:
    """The informative line of torch's error message, first sentence, at most 200 chars."""
    lines = [line.strip().replace('WeightsUnpickler error: ', '')
             for line in str(error).splitlines()]
    lines = [line for line in lines if line and not line.startswith(_TORCH_ADVICE)]
    return (lines[0].split('. ')[0] if lines else 'the file ends early')[:200]


def allow_mmengine_checkpoints() -> None:
    """Make mmengine's local checkpoint loader (resume, ``load_from``, ``Pretrained``) use
    :func:`load_local_checkpoint`. Idempotent."""
    global _installed
    if _installed:
        return
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
    _installed = True
