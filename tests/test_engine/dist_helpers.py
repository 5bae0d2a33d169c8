# Copyright (c) mmswav contributors. All rights reserved.
"""Multi-process runs of the tiny config through ``tools/dist_train.sh`` (gloo): a recorder
hook that saves each rank's losses, samples and final weights, a free loopback port, and the
launch of one or several "nodes" on 127.0.0.1."""
import os
import socket
import subprocess
import textwrap
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'

RECORDER = textwrap.dedent('''
    import json, os
    import torch
    from mmengine.dist import get_rank
    from mmengine.hooks import Hook
    from mmswav.registry import HOOKS

    @HOOKS.register_module(force=True)
    class RankRecorder(Hook):
        def __init__(self):
            self.rows = []

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.rows.append(dict(loss=float(outputs['loss'].detach()), samples=[
                int(s.sample_idx) for s in data_batch['data_samples']]))

        def after_train(self, runner):
            rank = get_rank()
            with open(os.path.join(runner.work_dir, f'rank{rank}.json'), 'w') as f:
                json.dump(self.rows, f)
            model = getattr(runner.model, 'module', runner.model)
            torch.save(model.state_dict(), os.path.join(runner.work_dir, f'rank{rank}.pth'))
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_config(tmp_path: Path, data_root: Path, batch_size: int) -> str:
    """The tiny config with a GroupNorm narrow backbone and no neck norm; 2 epochs of 2
    iterations, a global queue of 16 (2 global batches) filled in epoch 1, used in epoch 2."""
    path = tmp_path / f'dist_b{batch_size}.py'
    path.write_text(textwrap.dedent(f'''
        _base_ = ['{CONFIG}']
        model = dict(
            backbone=dict(stem_channels=16, base_channels=16,
                          norm_cfg=dict(type='GN', num_groups=4, requires_grad=True)),
            neck=dict(in_channels=128, with_bn=False),
            head=dict(queue_length=16, epoch_queue_starts=0))
        train_dataloader = dict(batch_size={batch_size},
                                dataset=dict(data_root='{data_root}'))
        train_cfg = dict(max_epochs=2)
        default_hooks = dict(checkpoint=dict(interval=1))
        custom_imports = dict(imports=['mmswav.datasets', 'mmswav.engine', 'mmswav.models',
                                       'recorder'], allow_failed_imports=False)
        custom_hooks = [dict(type='SwAVHook'), dict(type='RankRecorder')]
    '''))
    return str(path)


def dist_env(tmp_path: Path, **extra: str) -> Dict[str, str]:
    """The environment of a launch: the recorder plugin importable, a free port, 1 thread."""
    (tmp_path / 'plugin').mkdir(exist_ok=True)
    (tmp_path / 'plugin' / 'recorder.py').write_text(RECORDER)
    return dict(os.environ, PYTHONPATH=f'{tmp_path / "plugin"}:{REPO}', PORT=str(free_port()),
                OMP_NUM_THREADS='1', **extra)


def train(cmd: list, tmp_path: Path, check: bool = True) -> str:
    """Run ``cmd`` (a launch) in the repo root; its log; rc 0 asserted when ``check``."""
    out = subprocess.run(cmd, cwd=REPO, env=dist_env(tmp_path), capture_output=True,
                         text=True, timeout=400)
    log = out.stdout + out.stderr
    assert out.returncode == 0 or not check, log[-4000:]
    return log


def train_nodes(config: str, work_dir: Path, tmp_path: Path, nnodes: int,
                extra: Optional[List[str]] = None) -> List[str]:
    """``tools/dist_train.sh CONFIG 1`` started ``nnodes`` times at once, as nodes
    ``NODE_RANK`` = 0 ... nnodes - 1 of one process each, meeting at MASTER_ADDR=127.0.0.1 on
    a free PORT (torchrun's static rendezvous); every node's rc 0 asserted; their logs."""
    env = dist_env(tmp_path, NNODES=str(nnodes), MASTER_ADDR='127.0.0.1')
    procs = [subprocess.Popen(['bash', 'tools/dist_train.sh', config, '1', '--work-dir',
                               str(work_dir), *(extra or [])], cwd=REPO,
                              env=dict(env, NODE_RANK=str(rank)), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for rank in range(nnodes)]
    logs = []
    try:
        for proc in procs:
            logs.append(proc.communicate(timeout=400)[0])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for rank, (proc, log) in enumerate(zip(procs, logs)):
        assert proc.returncode == 0, f'node {rank}: {log[-4000:]}'
    return logs


