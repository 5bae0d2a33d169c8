# Copyright (c) mmswav contributors. All rights reserved.
"""Loading mmengine checkpoints under torch >= 2.6 (``torch.load(weights_only=True)``).

The trust choice, documented in the README: a checkpoint is first loaded with
``weights_only=True``. mmengine's own checkpoints (resume files, ``load_from``) also pickle
its logging state, which needs ``builtins.getattr`` and so cannot pass the weights-only
unpickler; a **local** file that fails it is then loaded as a full pickle, as every torch
before 2.6 did, with a log line naming the file. Load only checkpoint files you trust, as with
any pickle. ``MMSWAV_WEIGHTS_ONLY=1`` refuses that fallback. Downloaded checkpoints (http)
keep torch's weights-only default.
"""
import os
import os.path as osp
import pickle

import torch
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader

_installed = False


def load_local_checkpoint(filename: str, map_location=None) -> dict:
    """Load a local checkpoint: weights-only first, then (trusted) full pickle."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if os.environ.get('MMSWAV_WEIGHTS_ONLY', '0').lower() in ('1', 'true', 'yes'):
            raise pickle.UnpicklingError(
                f'{filename} is not a weights-only checkpoint and MMSWAV_WEIGHTS_ONLY is '
                'set; unset it to load this trusted local file as a full pickle') from error
        print_log(f'{filename}: not weights-only (mmengine training state); loading it as a '
                  'trusted local pickle', logger='current')
        return torch.load(filename, map_location=map_location, weights_only=False)


def allow_mmengine_checkpoints() -> None:
    """Make mmengine's local checkpoint loader (resume, ``load_from``, ``Pretrained``) use
    :func:`load_local_checkpoint`. Idempotent."""
    global _installed
    if _installed:
        return
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
    _installed = True
