# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/slurm_train.sh`` with ``DRY_RUN=1``: the srun command it would run, checked token
by token, and its tail parsed by ``tools/train.py``'s own argument parser."""
import os
import shlex
import subprocess
import sys

from tests.test_tools.downstream_smoke import REPO, load_tool


def dry_run(*args: str, **env: str) -> list:
    out = subprocess.run(['bash', 'tools/slurm_train.sh', *args], cwd=REPO,
                         env=dict(os.environ, DRY_RUN='1', PYTHONPATH='/elsewhere', **env),
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return shlex.split(out.stdout)


def test_two_nodes_of_eight_gpus(monkeypatch):
    tokens = dry_run('gpu', 'swav 400ep', 'configs/x.py', 'work dirs/x', '--resume',
                     '--cfg-options', 'train_dataloader.batch_size=32',
                     GPUS='16', GPUS_PER_NODE='8', CPUS_PER_TASK='6',
                     SRUN_ARGS='--signal=TERM@120 --time=2-00:00:00')
    assert tokens == [
        f'PYTHONPATH={REPO}:/elsewhere', 'srun', '-p', 'gpu', '--job-name=swav 400ep',
        '--gres=gpu:8', '--ntasks=16', '--ntasks-per-node=8', '--cpus-per-task=6',
        '--kill-on-bad-exit=1', '--signal=TERM@120', '--time=2-00:00:00', 'python', '-u',
        f'{REPO}/tools/train.py', 'configs/x.py', '--work-dir=work dirs/x', '--launcher=slurm',
        '--resume', '--cfg-options', 'train_dataloader.batch_size=32']
    monkeypatch.setattr(sys, 'argv', tokens[tokens.index('-u') + 1:])
    args = load_tool('train.py').parse_args()  # the tail is a valid tools/train.py call
    assert (args.config, args.work_dir, args.launcher) == ('configs/x.py', 'work dirs/x',
                                                           'slurm')
    assert args.cfg_options == {'train_dataloader.batch_size': 32}


def test_defaults_one_node_of_eight():
    tokens = dry_run('p', 'j', 'c.py', 'w')
    assert tokens[tokens.index('srun'):tokens.index('python')] == [
        'srun', '-p', 'p', '--job-name=j', '--gres=gpu:8', '--ntasks=8',
        '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1']
