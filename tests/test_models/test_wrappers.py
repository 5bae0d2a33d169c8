# Copyright (c) mmswav contributors. All rights reserved.
"""No silent queue overwrite: a DDP wrapper that broadcasts buffers around a SwAV queue is
refused, in two real processes (tools/dist_train.sh, gloo) and in SwAVHook for any wrapper."""
import inspect
import subprocess
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
from mmengine.model import MMDistributedDataParallel

from mmswav.engine.hooks.swav_hook import SwAVHook
from mmswav.models.heads import SwAVHead
from mmswav.models.wrappers import AnyDeviceDDP, check_queue_not_broadcast
from tests.test_engine.dist_helpers import REPO, dist_env, free_port, write_config


def head(queue_length: int) -> torch.nn.Module:
    return torch.nn.Sequential(SwAVHead(loss=dict(type='SwAVLoss', num_crops=[2]),
                                        feat_dim=4, num_prototypes=3,
                                        queue_length=queue_length))


def test_check_refuses_only_a_broadcast_queue():
    with pytest.raises(ValueError, match=r'broadcast_buffers=True.*queue \(8 rows.*'
                       r'broadcast_buffers=False'):
        check_queue_not_broadcast(head(8), broadcast_buffers=True)
    check_queue_not_broadcast(head(8), broadcast_buffers=False)
    check_queue_not_broadcast(head(0), broadcast_buffers=True)  # no queue: nothing to lose


def test_two_processes_with_broadcast_buffers_stop(image_folder, tmp_path):
    """``model_wrapper_cfg.broadcast_buffers=True`` with the tiny config's queue: both ranks
    stop before training, saying what to set (the same run without it trains: test_dist_train)."""
    config = write_config(tmp_path, image_folder, 4)
    cmd = ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(tmp_path / 'work'),
           '--cfg-options', 'model_wrapper_cfg.broadcast_buffers=True']
    out = subprocess.run(cmd, cwd=REPO, env=dist_env(tmp_path), capture_output=True,
                         text=True, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode != 0, log[-3000:]
    assert log.count('model_wrapper_cfg has broadcast_buffers=True') >= 2, log[-3000:]  # ranks
    assert 'broadcast_buffers=False' in log and 'Epoch(train)' not in log


def test_swav_hook_refuses_any_broadcasting_wrapper(monkeypatch):
    """mmengine's own MMDistributedDataParallel (torch's default broadcast_buffers=True), in a
    1-process gloo group: SwAVHook stops the run before the first iteration."""
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    dist.init_process_group('gloo', rank=0, world_size=1)
    try:
        model = torch.nn.Linear(2, 2)
        model.head = head(8)[0]
        wrapped = MMDistributedDataParallel(module=model)
        assert wrapped.broadcast_buffers  # torch's default
        runner = SimpleNamespace(model=wrapped, optim_wrapper=None)
        with pytest.raises(ValueError, match='head has a queue'):
            SwAVHook().before_train(runner)
        if 'forward_sync_buffers' in inspect.signature(
                torch.nn.parallel.DistributedDataParallel).parameters:
            # torch >= 2.14's name of the switch, which wins over the old one
            with pytest.raises(ValueError, match='broadcast_buffers=True'):
                AnyDeviceDDP(module=model, forward_sync_buffers=True, broadcast_buffers=False)
        assert not AnyDeviceDDP(module=model).broadcast_buffers  # the shipped default
    finally:
        dist.destroy_process_group()
