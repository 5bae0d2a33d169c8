# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/dist_train.sh`` with 2 CPU processes (gloo) against 1 process with the same global
batch, and the explicit SyncBN-on-CPU switch of ``tools/train.py``.

Comparability: BatchNorm normalises with the statistics of each rank's own half of the
batch, so a 2-rank BN model computes another function than the 1-process model. Here the
backbone uses GroupNorm and the neck no norm (no batch statistics anywhere), the queue is
off and the augmentations are seeded per sample (``RobustLoadImageFromFile``), so the two
runs see the same crops and the same network. Then the only coupling between the halves is
the Sinkhorn, which is global (all-reduced), and the 1-process loss must equal the mean of
the two ranks' losses (each rank logs the mean over its half).
"""
import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
from argparse import Namespace
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmswav.registry import MODELS

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


def train(cmd: list, tmp_path: Path) -> str:
    (tmp_path / 'plugin').mkdir(exist_ok=True)
    (tmp_path / 'plugin' / 'recorder.py').write_text(RECORDER)
    env = dict(os.environ, PYTHONPATH=f'{tmp_path / "plugin"}:{REPO}', PORT=str(free_port()),
               OMP_NUM_THREADS='1')
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    return log


def test_two_cpu_processes_match_one_and_resume_exactly(image_folder, tmp_path):
    one, two, resumed = tmp_path / 'one', tmp_path / 'two', tmp_path / 'resumed'
    train([sys.executable, 'tools/train.py', write_config(tmp_path, image_folder, 8),
           '--work-dir', str(one)], tmp_path)
    dist = ['bash', 'tools/dist_train.sh', write_config(tmp_path, image_folder, 4), '2']
    log = train(dist + ['--work-dir', str(two)], tmp_path)
    assert 'backend nccl -> gloo' in log  # CPU: gloo, said in the log

    single = json.loads((one / 'rank0.json').read_text())
    ranks = [json.loads((two / f'rank{r}.json').read_text()) for r in range(2)]
    assert len(single) == len(ranks[0]) == len(ranks[1]) == 4  # 16 images, global batch 8
    for it in range(4):  # the two halves are the 1-process batch
        halves = ranks[0][it]['samples'] + ranks[1][it]['samples']
        assert sorted(halves) == sorted(single[it]['samples'])
    mean_loss = (ranks[0][0]['loss'] + ranks[1][0]['loss']) / 2
    assert mean_loss == pytest.approx(single[0]['loss'], abs=1e-5)

    weights = [torch.load(two / f'rank{r}.pth', weights_only=True) for r in range(2)]
    for key, value in weights[0].items():  # DDP: every rank holds the same model
        if key != 'head.queue':  # each rank queues its own half of the batches
            assert torch.equal(value, weights[1][key]), key
    assert not torch.equal(weights[0]['head.queue'], weights[1]['head.queue'])
    reference = torch.load(one / 'rank0.pth', weights_only=True)
    for key, value in reference.items():  # and the same as 1 process, up to float sums
        if key != 'head.queue':
            torch.testing.assert_close(weights[0][key], value, rtol=1e-3, atol=1e-4, msg=key)

    # resume both ranks from epoch 1: each must get its own queue back (RankQueuesHook)
    ckpt = torch.load(two / 'epoch_1.pth', weights_only=False)
    assert ckpt['swav_rank_queues']['head.queue'].shape == (2, 2, 8, 16)
    train(dist + ['--work-dir', str(resumed), '--resume', str(two / 'epoch_1.pth')],
          tmp_path)
    for r in range(2):
        rows = json.loads((resumed / f'rank{r}.json').read_text())
        assert [row['samples'] for row in rows] == [row['samples'] for row in ranks[r][2:]]
        for got, want in zip(rows, ranks[r][2:]):
            assert got['loss'] == pytest.approx(want['loss'], abs=1e-6)
        final = torch.load(resumed / f'rank{r}.pth', weights_only=True)
        for key, value in weights[r].items():
            torch.testing.assert_close(final[key], value, rtol=0, atol=1e-6, msg=key)


def _train_tool():
    spec = importlib.util.spec_from_file_location('mmswav_train_tool', REPO / 'tools/train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _args(**kwargs) -> Namespace:
    base = dict(config=str(CONFIG), launcher='none', cfg_options=None, work_dir='/tmp/x',
                amp=False, sync_bn_to_bn=False, resume=None, no_safety_hooks=True)
    base.update(kwargs)
    return Namespace(**base)


@pytest.mark.skipif(torch.cuda.is_available(), reason='the switch is for CPU-only machines')
def test_sync_bn_needs_explicit_switch_on_cpu():
    tool = _train_tool()
    options = {'model.backbone.norm_cfg.type': 'SyncBN', 'model.neck.norm_cfg.type': 'SyncBN'}
    with pytest.raises(SystemExit, match='--sync-bn-to-bn'):
        tool.merge_args(Config.fromfile(CONFIG), _args(cfg_options=options))
    cfg = tool.merge_args(Config.fromfile(CONFIG), _args(cfg_options=options,
                                                         sync_bn_to_bn=True))
    assert cfg.model.backbone.norm_cfg.type == 'BN'
    assert cfg.model.neck.norm_cfg.type == 'BN'  # the builder makes it 1-d for the neck
    model = MODELS.build(cfg.model)
    assert not any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in model.neck.modules())
    crops = [torch.rand(2, 3, 32, 32)] * 2 + [torch.rand(2, 3, 16, 16)] * 4
    assert torch.isfinite(model.loss(crops, None)['loss'])  # it trains on CPU
