# Copyright (c) mmswav contributors. All rights reserved.
"""``--resume`` for ``tools/train.py``: validate the checkpoint, fall back past a damaged one
and keep the seed. The command-line flags and the resume command: ``resume_cli.py``."""
import argparse
import glob
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

from mmengine.logging import print_log

from mmswav.engine.hooks.atomic_checkpoint_hook import use_atomic_checkpoints
from mmswav.engine.hooks.resume_guard_hook import (
    RUN_INFO_KEY,
    ResumeRefused,
    changes,
    refusal_message,
)
from mmswav.utils.checkpoint import load_local_checkpoint

CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_\d+\.pth$')


def _warn(message: str) -> None:
    if os.environ.get('RANK', '0') == '0':
        print_log(message, logger='current', level=30)


def check_checkpoint(filename: str) -> dict:
    """Check that ``filename`` is a complete, loadable mmengine checkpoint; return its meta.

    Raises:
        FileNotFoundError, CheckpointError, UnsafeCheckpointError: Naming the file and why.
    """
    from mmswav.utils.checkpoint import CheckpointError
    if osp.isfile(filename) and os.path.getsize(filename) == 0:
        raise CheckpointError(f'{filename}: empty file (0 bytes)')
    is_zip = osp.isfile(filename) and zipfile.is_zipfile(filename)
    if is_zip:  # torch's format: a zip whose members carry CRC-32s
        try:
            with zipfile.ZipFile(filename) as archive:
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise CheckpointError(f'{filename}: damaged zip archive ({error})') from error
        if bad is not None:
            raise CheckpointError(f'{filename}: damaged, checksum mismatch in member {bad}')
    ckpt = load_local_checkpoint(filename, map_location='cpu', mmap=is_zip)
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get('meta'), dict) \
            or 'state_dict' not in ckpt:
        raise CheckpointError(f'{filename}: not a resumable mmengine checkpoint (no meta '
                              'and state_dict)')
    return ckpt['meta']


def candidates(work_dir: str) -> List[str]:
    """``last_checkpoint``'s target, then ``epoch_*.pth`` / ``iter_*.pth``, newest first."""
    found = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            target = f.read().strip()
        if target and not osp.isfile(target) and osp.isfile(
                osp.join(work_dir, osp.basename(target))):  # the work dir was moved
            target = osp.join(work_dir, osp.basename(target))
        if target:
            found.append(target)
    others = [p for p in glob.glob(osp.join(work_dir, '*.pth'))
              if CHECKPOINT_NAME.match(osp.basename(p))]
    others.sort(key=lambda p: (osp.getmtime(p), p), reverse=True)
    return found + [p for p in others if not found or osp.abspath(p) != osp.abspath(found[0])]


def find_resume_checkpoint(work_dir: str, if_possible: bool = False
                           ) -> Optional[Tuple[str, dict]]:
    """The newest readable checkpoint of ``work_dir`` and its meta, warning about each
    damaged one; None (start) only when there is none at all and ``if_possible``.

    Raises:
        ResumeRefused: No checkpoint (without ``if_possible``), or none is readable.
    """
    files = candidates(work_dir)
    if not files:
        if if_possible:
            _warn(f'--resume-if-possible: no checkpoint in {work_dir}; starting from scratch')
            return None
        raise ResumeRefused(
            f'--resume: no checkpoint to resume from in {osp.abspath(work_dir)} (no '
            'last_checkpoint, no epoch_*.pth or iter_*.pth). Check --work-dir; to start '
            'when there is none, use --resume-if-possible instead.')
    failures = []
    for filename in files:
        try:
            meta = check_checkpoint(filename)
        except Exception as error:  # noqa: BLE001 - every reason is reported
            failures.append(f'{error}' if filename in str(error) else f'{filename}: {error}')
            _warn(f'cannot resume from {failures[-1]}')
            continue
        if failures:
            _warn(f'resuming from {filename} instead of {files[0]}, which is unreadable')
        return filename, meta
    raise ResumeRefused('--resume: no readable checkpoint in ' + osp.abspath(work_dir) + ':\n  '
                        + '\n  '.join(failures) + '\nStart a new run (without --resume) or '
                        'restore a checkpoint from a backup.')


def prepare_resume(cfg, args: argparse.Namespace) -> None:
    """Atomic checkpoints, the resume guard, and ``cfg.resume`` / ``cfg.load_from`` /
    ``cfg.randomness.seed`` from ``--resume``, ``--resume-if-possible``, in place."""
    use_atomic_checkpoints(cfg)
    accept = bool(getattr(args, 'accept_seed_change', False))
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(isinstance(h, dict) and h.get('type') == 'ResumeGuardHook' for h in hooks):
        hooks.append(dict(type='ResumeGuardHook', accept_seed_change=accept))
    cfg.custom_hooks = hooks
    found = None
    if args.resume not in (None, 'auto'):
        try:
            found = args.resume, check_checkpoint(args.resume)
        except Exception as error:  # noqa: BLE001
            reason = f'{error}' if args.resume in str(error) else f'{args.resume}: {error}'
            raise ResumeRefused(f'--resume: cannot resume from {reason}') from None
    elif args.resume == 'auto' or getattr(args, 'resume_if_possible', False):
        found = find_resume_checkpoint(cfg.work_dir, if_possible=args.resume != 'auto')
    if found is None:
        return
    filename, meta = found
    cfg.resume, cfg.load_from = True, filename
    saved_seed = (meta.get(RUN_INFO_KEY) or {}).get('seed', meta.get('seed'))
    randomness = cfg.setdefault('randomness', {})
    if randomness.get('seed') is None and saved_seed is not None:
        randomness['seed'] = saved_seed  # the sampler is built with it: same data order
    changed = changes(dict(seed=saved_seed), dict(seed=randomness.get('seed')), accept)
    if changed:
        raise ResumeRefused(refusal_message(filename, changed))
