# Copyright (c) mmswav contributors. All rights reserved.
"""A Runner trains a tiny SwAV on a temporary image folder, saves, resumes and continues."""
import subprocess
import sys
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'


def tiny_cfg(data_root: Path, work_dir: Path, max_epochs: int) -> Config:
    """16 images, batch 4: 4 iterations an epoch, the queue (8) fills during epoch 1."""
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.dataset.data_root = str(data_root)
    cfg.train_cfg.max_epochs = max_epochs
    return cfg


class Recorder(Hook):
    """Records the head's state when training (re)starts and the losses per iteration."""

    def __init__(self):
        self.start_queue = self.start_iteration = None
        self.losses, self.prototypes = [], []

    def before_train(self, runner):
        head = runner.model.head
        self.start_queue = head.queue.clone()
        self.start_iteration = int(head.iteration)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(outputs['loss'].item())
        self.prototypes.append(runner.model.head.prototypes.weight.detach().clone())


def test_train_save_resume_continue(image_folder, tmp_path):
    work_dir = tmp_path / 'work'
    first = Runner.from_cfg(tiny_cfg(image_folder, work_dir, max_epochs=2))
    rec1 = Recorder()
    first.register_hook(rec1)
    first.train()
    assert len(rec1.losses) == 8 and all(map(torch.isfinite, map(torch.tensor, rec1.losses)))
    # SwAVHook: prototypes frozen for iterations 0-5 (the optimizer skipped them; only the
    # in-place re-normalisation moves them by an ulp), then they learn
    for i in range(1, 6):
        torch.testing.assert_close(rec1.prototypes[i], rec1.prototypes[0], atol=1e-6, rtol=0)
    assert (rec1.prototypes[6] - rec1.prototypes[5]).abs().max() > 1e-5  # LARC: ~1e-4
    ckpt = torch.load(work_dir / 'epoch_2.pth', weights_only=False)
    queue = ckpt['state_dict']['head.queue']
    assert queue.shape == (2, 8, 16) and queue.abs().sum() > 0  # filled during epoch 1
    assert int(ckpt['state_dict']['head.iteration']) == 7

    cfg = tiny_cfg(image_folder, work_dir, max_epochs=3)
    cfg.resume = True  # auto: the latest checkpoint in work_dir
    second = Runner.from_cfg(cfg)
    rec2 = Recorder()
    second.register_hook(rec2)
    second.train()
    torch.testing.assert_close(rec2.start_queue, queue)  # queue restored
    assert rec2.start_iteration == 7 and second.iter == 12 and second.epoch == 3
    assert len(rec2.losses) == 4
    final = torch.load(work_dir / 'epoch_3.pth', weights_only=False)['state_dict']
    assert not torch.equal(final['head.queue'], queue)  # and it kept going


def test_tools_train_cli_resumes(image_folder, tmp_path):
    """``python tools/train.py`` then ``--resume``: the README's commands."""
    work_dir = tmp_path / 'cli'
    opts = [
        f'train_dataloader.dataset.data_root={image_folder}',
        'train_dataloader.batch_size=8', 'train_cfg.max_epochs=1'
    ]
    cmd = [sys.executable, str(REPO / 'tools/train.py'), str(CONFIG), '--work-dir',
           str(work_dir), '--cfg-options', *opts]
    subprocess.run(cmd, check=True, cwd=REPO, capture_output=True, timeout=600)
    assert (work_dir / 'epoch_1.pth').is_file()
    out = subprocess.run(cmd[:-len(opts) - 1] + ['--resume', '--cfg-options', *opts,
                                                  'train_cfg.max_epochs=2'],
                         check=True, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert 'resumed epoch: 1' in out.stdout + out.stderr
    assert (work_dir / 'epoch_2.pth').is_file()
