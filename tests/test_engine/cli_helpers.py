# Copyright (c) mmswav contributors. All rights reserved.
"""Run ``tools/train.py`` on a tiny config in a subprocess (the checkpoint and resume tests)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'


def child_env(threads=1, **extra):
    """The environment of a training process: ``threads`` torch threads (OMP_NUM_THREADS).
    Runs compared bit for bit must all use the same count: CPU kernels split their reductions
    by thread count, so 1 and 2 threads differ in the last bits from the first iteration on."""
    return dict(os.environ, OMP_NUM_THREADS=str(threads), **extra)


def train(work_dir, images, *extra, options=(), driver=None, env=None, threads=1):
    """``tools/train.py`` on 16 images, batch 4 (4 iterations an epoch), narrow ResNet-18,
    ``threads`` torch threads; through ``driver`` (a script that patches, then runs
    tools/train.py) when given."""
    cmd = [sys.executable, str(driver) if driver else 'tools/train.py', str(CONFIG),
           '--work-dir', str(work_dir), *extra, '--cfg-options',
           f'train_dataloader.dataset.data_root={images}', 'model.backbone.stem_channels=16',
           'model.backbone.base_channels=16', 'model.neck.in_channels=128', *options]
    env = child_env(threads, **(env or {}))
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    return out.returncode, out.stdout + out.stderr


def copy_run(finished, tmp_path):
    """A copy of the `finished` fixture's work dir (last_checkpoint pointing into it)."""
    images, work = finished
    shutil.copytree(work, tmp_path / 'work')
    last = tmp_path / 'work' / 'last_checkpoint'
    last.write_text(last.read_text().replace(str(work), str(tmp_path / 'work')))
    return images, tmp_path / 'work'
