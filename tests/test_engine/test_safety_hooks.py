# Copyright (c) mmswav contributors. All rights reserved.
"""The non-finite loss guard and the collapse warning, in real (tiny) training runs."""
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmswav.engine.hooks.non_finite_loss_hook import NonFiniteLossError

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'


def tiny_cfg(data_root, work_dir, name, hooks) -> Config:
    """Narrow ResNet-18, 16 images, batch 4, one epoch of 4 iterations, no workers."""
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name
    cfg.train_dataloader.dataset.data_root = str(data_root)
    cfg.model.backbone.update(stem_channels=16, base_channels=16)
    cfg.model.neck.in_channels = 128
    cfg.model.head.freeze_prototypes_iters = 0
    cfg.train_cfg.max_epochs = 1
    cfg.custom_hooks = [dict(type='SwAVHook')] + hooks
    return cfg


class Poison(Hook):
    """Breaks the backbone (NaN weights) before iteration ``at``."""

    def __init__(self, at):
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            runner.model.backbone.conv1.weight.data.fill_(float('nan'))


def test_nan_loss_stops_before_any_save(image_folder, tmp_path):
    work = tmp_path / 'work'
    cfg = tiny_cfg(image_folder, work, 'nan_guard', [dict(type='NonFiniteLossHook')])
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, by_epoch=False)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(Poison(at=2))
    with pytest.raises(NonFiniteLossError) as error:
        runner.train()
    message = str(error.value)
    good = work / 'iter_2.pth'
    assert 'iteration 3' in message and str(good) in message and '--resume' in message
    assert 'learning rate' in message and 'epsilon' in message
    assert not (work / 'iter_3.pth').exists()  # no checkpoint of the broken weights
    assert (work / 'last_checkpoint').read_text() == str(good)
    state = torch.load(good, weights_only=False)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


class Collapse(Hook):
    """All embeddings identical: the last neck layer outputs only its bias."""

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        runner.model.neck.projection_neck[-1].weight.data.zero_()


def test_collapse_warning_names_remedies(image_folder, tmp_path):
    cfg = tiny_cfg(image_folder, tmp_path / 'work', 'collapse',
                   [dict(type='SwAVCollapseHook', window=3)])
    cfg.model.head.loss.temperature = 1000.  # uniform predictions: loss = ln K
    runner = Runner.from_cfg(cfg)
    runner.register_hook(Collapse())
    runner.train()
    hook = next(h for h in runner.hooks if type(h).__name__ == 'SwAVCollapseHook')
    assert len(hook.warnings) == 1  # at iteration 4 (freeze 0 + window 3), then quiet
    assert 'x ln K (K=10)' in hook.warnings[0] and 'at most 1 prototype' in hook.warnings[0]
    hub = runner.message_hub
    assert hub.get_scalar('train/prototypes_used').current() == 1
    assert hub.get_scalar('train/loss_over_log_k').current() == pytest.approx(1, abs=1e-3)
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    assert 'SwAV collapse warning' in log and 'lower the Sinkhorn epsilon' in log
    assert 'prototypes_used: 1' in log  # in the iteration log lines too


def test_no_collapse_warning_in_a_normal_run(image_folder, tmp_path):
    cfg = tiny_cfg(image_folder, tmp_path / 'work', 'healthy',
                   [dict(type='SwAVCollapseHook', window=3)])
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if type(h).__name__ == 'SwAVCollapseHook')
    used = runner.message_hub.get_scalar('train/prototypes_used').current()
    ratio = runner.message_hub.get_scalar('train/loss_over_log_k').current()
    assert hook.warnings == [] and used > 3 and abs(ratio - 1) > 0.02, (used, ratio)
    assert math.isfinite(ratio)
