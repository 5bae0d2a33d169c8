# Copyright (c) mmswav contributors. All rights reserved.
"""A checkpoint records the torch thread count; a CPU resume with another count (correct but
not bit-exact, docs/common_issues.md) says so, with the setting that makes it exact."""
from types import SimpleNamespace

import torch
from mmengine.dataset import DefaultSampler
from torch.utils.data import DataLoader

from mmswav.engine.hooks import resume_guard_hook
from mmswav.engine.hooks.resume_guard_hook import ResumeGuardHook, threads_warning


def _runner():
    data = list(range(16))
    loader = DataLoader(data, batch_size=4, sampler=DefaultSampler(data, seed=0))
    return SimpleNamespace(train_dataloader=loader, seed=0, _randomness_cfg={}, _resume=True,
                           _load_from='iter_3.pth', model=torch.nn.Linear(2, 2), cfg={})


def test_thread_count_is_saved_and_a_change_is_warned(monkeypatch):
    logged = []
    monkeypatch.setattr(resume_guard_hook, 'print_log', lambda msg, **kw: logged.append(msg))
    before = torch.get_num_threads()
    hook, runner, checkpoint = ResumeGuardHook(), _runner(), {}
    try:
        torch.set_num_threads(2)
        hook.before_save_checkpoint(runner, checkpoint)
        assert checkpoint['meta']['mmswav_run']['torch_threads'] == 2
        hook.after_load_checkpoint(runner, checkpoint)  # same count: nothing to say
        assert logged == []
        torch.set_num_threads(1)
        hook.after_load_checkpoint(runner, checkpoint)  # resumed, not refused
    finally:
        torch.set_num_threads(before)
    [warning] = logged
    assert 'torch threads: 2 -> 1' in warning and 'OMP_NUM_THREADS=2' in warning
    saved = checkpoint['meta']['mmswav_run']
    assert threads_warning(saved, 'cuda') is None  # only CPU runs are warned
    assert threads_warning({}) is None  # a checkpoint saved before the count was recorded
