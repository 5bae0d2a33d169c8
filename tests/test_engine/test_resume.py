# Copyright (c) mmswav contributors. All rights reserved.
"""Exact resume: a run stopped by SIGTERM at iteration k and resumed with ``--resume``
matches the uninterrupted run, iteration by iteration (CPU, deterministic)."""
import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmswav.engine.hooks.defaults import add_reliability_hooks
from mmswav.engine.hooks.interrupt_hook import TrainingInterrupted
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'
STOP_AFTER = 7  # iterations done before the SIGTERM: mid-epoch 2, queue full and in use


def resume_cfg(data_root: Path, work_dir: Path, name: str) -> Config:
    """16 images, batch 4: 4 iterations an epoch, 3 epochs. The queue (8) fills at
    iterations 4-5 and is used from 6 on; the prototypes unfreeze at iteration 7, the first
    one after the stop; the cosine LR changes every iteration. One persistent worker."""
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name
    cfg.train_dataloader.dataset.data_root = str(data_root)
    cfg.train_dataloader.update(num_workers=1, persistent_workers=True)
    cfg.model.head.freeze_prototypes_iters = STOP_AFTER
    # a narrow ResNet-18 (16 base channels): the same code paths, 16x less compute
    cfg.model.backbone.update(stem_channels=16, base_channels=16)
    cfg.model.neck.in_channels = 128
    cfg.train_cfg.max_epochs = 3
    cfg.param_scheduler = [
        dict(type='CosineAnnealingLR', T_max=3, eta_min=1e-3, by_epoch=True, begin=0, end=3,
             convert_to_iter_based=True)
    ]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    add_reliability_hooks(cfg)
    return cfg


class Recorder(Hook):
    """Per iteration: loss, LR, sample indices, frozen flag, queue use."""

    priority = 'NORMAL'

    def __init__(self, stop_after=None):
        self.rows, self.stop_after, self.start_queue = [], stop_after, None

    def before_train(self, runner):
        self.start_queue = runner.model.head.queue.clone()

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        head = runner.model.head
        self.rows.append(dict(
            iter=runner.iter, loss=float(outputs['loss'].detach()),
            lr=runner.optim_wrapper.get_lr()['lr'][0],
            samples=[int(s.sample_idx) for s in data_batch['data_samples']],
            frozen=head.prototypes_frozen, queue_used=head.queue_active))
        if self.stop_after is not None and runner.iter + 1 == self.stop_after:
            os.kill(os.getpid(), signal.SIGTERM)  # the real signal path


def run(cfg, recorder):
    runner = Runner.from_cfg(cfg)
    runner.register_hook(recorder)
    try:
        runner.train()
    finally:
        state = {k: v.clone() for k, v in runner.model.state_dict().items()}
        del runner
        gc.collect()
    return state


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('full')
    images = make_image_folder(tmp / 'images')
    full = Recorder()
    state = run(resume_cfg(images, tmp / 'work', 'resume_full'), full)
    assert len(full.rows) == 12
    return images, full, state


@pytest.mark.parametrize('stop_after', [STOP_AFTER, 4], ids=['mid_epoch', 'epoch_end'])
def test_sigterm_then_resume_matches_uninterrupted(uninterrupted, tmp_path, stop_after):
    image_folder, full, full_state = uninterrupted
    stopped = Recorder(stop_after=stop_after)
    cfg = resume_cfg(image_folder, tmp_path / 'cut', 'resume_cut')
    with pytest.raises(TrainingInterrupted) as stop:
        run(cfg, stopped)
    assert stop.value.code == 128 + signal.SIGTERM
    # mid-epoch: an iteration checkpoint; at an epoch's end: after the epoch-end hooks
    name = f'iter_{stop_after}.pth' if stop_after % 4 else f'epoch_{stop_after // 4}.pth'
    ckpt_path = tmp_path / 'cut' / name
    assert (tmp_path / 'cut' / 'last_checkpoint').read_text() == str(ckpt_path)
    ckpt = torch.load(ckpt_path, weights_only=False)
    assert ckpt['meta']['iter'] == stop_after and ckpt['meta']['epoch'] == stop_after // 4
    saved_queue = ckpt['state_dict']['head.queue']
    if stop_after > 5:  # the queue fills at iterations 4-5: full across the stop
        assert saved_queue.abs().sum() > 0

    resumed = Recorder()
    cfg = resume_cfg(image_folder, tmp_path / 'cut', 'resume_resumed')
    cfg.resume = True  # what `tools/train.py --resume` sets
    resumed_state = run(cfg, resumed)
    torch.testing.assert_close(resumed.start_queue, saved_queue, rtol=0, atol=0)

    rows = stopped.rows + resumed.rows
    assert [r['iter'] for r in rows] == list(range(12))
    for got, want in zip(rows, full.rows):
        assert got['samples'] == want['samples'], got['iter']  # data order
        assert (got['frozen'], got['queue_used']) == (want['frozen'], want['queue_used'])
        assert got['lr'] == pytest.approx(want['lr'], abs=1e-12)
        assert got['loss'] == pytest.approx(want['loss'], abs=1e-6), got['iter']
    assert [r['frozen'] for r in rows].index(False) == STOP_AFTER
    assert rows[STOP_AFTER - 1]['queue_used'] and rows[STOP_AFTER]['queue_used']
    for key, value in full_state.items():
        torch.testing.assert_close(resumed_state[key], value, rtol=0, atol=1e-6, msg=key)


def test_cli_sigterm_saves_and_resume_finishes(image_folder, tmp_path):
    """``tools/train.py`` killed by SIGTERM mid-epoch exits 143 with a checkpoint;
    ``--resume`` trains only the rest of the epoch."""
    work_dir = tmp_path / 'cli'
    opts = ['--cfg-options', f'train_dataloader.dataset.data_root={image_folder}',
            'train_dataloader.batch_size=2', 'train_cfg.max_epochs=1',
            'default_hooks.checkpoint.interval=100']
    cmd = [sys.executable, 'tools/train.py', str(CONFIG), '--work-dir', str(work_dir)]
    opts += ['model.backbone.stem_channels=16', 'model.backbone.base_channels=16',
             'model.neck.in_channels=128']
    proc = subprocess.Popen(cmd + opts, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen = ''
    deadline = time.time() + 120
    while 'Epoch(train) [1][2/8]' not in seen and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    proc.send_signal(signal.SIGTERM)
    seen += proc.communicate(timeout=120)[0]
    assert proc.returncode == 128 + signal.SIGTERM, seen[-3000:]
    saved = Path((work_dir / 'last_checkpoint').read_text())
    # the stop message gives the whole command: the run's --cfg-options included
    printed = seen.split('Resume with:\n', 1)[1].splitlines()[0].strip()
    assert printed.startswith(f'python {cmd[1]} {CONFIG} --work-dir {work_dir}'), printed
    assert ' '.join(opts) in printed and printed.endswith(' --resume'), printed
    done = torch.load(saved, weights_only=False)['meta']['iter']
    assert saved.name == f'iter_{done}.pth' and 2 <= done < 8, seen[-2000:]
    out = subprocess.run(cmd + ['--resume'] + opts, cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert f'skipping its first {done} batches' in log
    assert torch.load(work_dir / 'epoch_1.pth', weights_only=False)['meta']['iter'] == 8
