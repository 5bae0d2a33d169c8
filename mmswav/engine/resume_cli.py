# Copyright (c) mmswav contributors. All rights reserved.
"""The command-line side of ``--resume``: the ``tools/train.py`` flags, and the exact command
that resumes a run (printed when it is stopped)."""
import argparse
import os.path as osp
import shlex
import sys
from typing import Optional, Sequence


def add_resume_args(parser: argparse.ArgumentParser) -> None:
    """``--resume [PATH]``, ``--resume-if-possible`` and ``--accept-seed-change``."""
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint; without a path, from the latest readable checkpoint '
        'of the work_dir (an error when there is none)')
    parser.add_argument(
        '--resume-if-possible', action='store_true',
        help='resume from the latest readable checkpoint of the work_dir if there is one, else '
        'start from scratch (for job schedulers that rerun the same command)')
    parser.add_argument(
        '--accept-seed-change', action='store_true',
        help='resume even though randomness.seed differs from the checkpoint\'s (the data '
        'order and augmentations change from the resume on)')


def resume_command(work_dir: str, argv: Optional[Sequence[str]] = None) -> str:
    """The command that resumes this run: its own ``tools/train.py`` arguments (options
    included) without the resume flags, plus ``--work-dir`` and ``--resume``."""
    argv = list(sys.argv if argv is None else argv)
    if not argv or osp.basename(argv[0]) != 'train.py':
        return f'python tools/train.py CONFIG --work-dir {work_dir} --resume (same options)'
    args, skip = [], False
    for i, arg in enumerate(argv[1:], 1):
        if skip:
            skip = False
            continue
        if arg in ('--resume-if-possible', ) or arg.startswith(
                ('--resume=', '--local-rank=', '--local_rank=')):
            continue
        if arg in ('--local-rank', '--local_rank'):
            skip = True
            continue
        if arg == '--resume':
            nxt = argv[i + 1] if i + 1 < len(argv) else ''
            skip = not nxt.startswith('-') and osp.isfile(nxt) and not nxt.endswith('.py')
            continue
        args.append(arg)
    if '--work-dir' not in args:
        args += ['--work-dir', work_dir]
    return 'python ' + shlex.join([argv[0]] + args + ['--resume'])
