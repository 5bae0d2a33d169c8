# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/dist_train.sh`` with 2 CPU processes (gloo) against 1 process with the same global
batch, two 1-process "nodes" on 127.0.0.1 against one node of 2 processes, and the explicit
SyncBN-on-CPU switch of ``tools/train.py``.

Comparability: BatchNorm normalises with the statistics of each rank's own half of the
batch, so a 2-rank BN model computes another function than the 1-process model. Here the
backbone uses GroupNorm and the neck no norm (no batch statistics anywhere), and the
augmentations are seeded per sample (``RobustLoadImageFromFile``), so the runs see the same
crops and the same network. Then the only coupling between the halves is the Sinkhorn, which
is global (all-reduced) over the batch and every rank's queue, so the 1-process loss must
equal the mean of the two ranks' losses (each rank logs the mean over its half) at every
iteration, those that use the queue (epoch 2) included.
"""
import importlib.util
import json
import sys
from argparse import Namespace
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmswav.registry import MODELS
from tests.test_engine.dist_helpers import CONFIG, REPO, train, train_nodes, write_config

LOSS_TOL = 1e-5  # |mean of the ranks' losses - 1-process loss|, every iteration
WEIGHT_TOL = dict(rtol=1e-3, atol=1e-4)  # 2 processes vs 1, up to float sums


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """The same 4 iterations as 1 process (global batch 8) and as 1 node of 2 processes
    (batch 4 each): their work dirs, the dist config and the dist_train.sh command."""
    from tests.conftest import make_image_folder
    tmp = tmp_path_factory.mktemp('dist')
    images = make_image_folder(tmp / 'images')
    one, two = tmp / 'one', tmp / 'two'
    train([sys.executable, 'tools/train.py', write_config(tmp, images, 8), '--work-dir',
           str(one)], tmp)
    config = write_config(tmp, images, 4)
    dist = ['bash', 'tools/dist_train.sh', config, '2']
    log = train(dist + ['--work-dir', str(two)], tmp)
    return one, two, config, dist, log


def rank_rows(work: Path, ranks: int = 2) -> list:
    return [json.loads((work / f'rank{r}.json').read_text()) for r in range(ranks)]


def check_losses_every_iteration(single: list, ranks: list) -> None:
    """The mean of the ranks' losses is the 1-process loss at every iteration."""
    assert len(single) == len(ranks[0]) == len(ranks[1]) == 4
    for it in range(4):
        mean_loss = (ranks[0][it]['loss'] + ranks[1][it]['loss']) / 2
        assert mean_loss == pytest.approx(single[it]['loss'], abs=LOSS_TOL), f'iteration {it}'


def test_two_cpu_processes_match_one_and_resume_exactly(runs, tmp_path):
    one, two, _, dist, log = runs
    resumed = tmp_path / 'resumed'
    assert 'backend nccl -> gloo' in log  # CPU: gloo, said in the log

    single = json.loads((one / 'rank0.json').read_text())
    ranks = rank_rows(two)
    assert len(single) == len(ranks[0]) == len(ranks[1]) == 4  # 16 images, global batch 8
    for it in range(4):  # the two halves are the 1-process batch
        halves = ranks[0][it]['samples'] + ranks[1][it]['samples']
        assert sorted(halves) == sorted(single[it]['samples'])
    check_losses_every_iteration(single, ranks)

    weights = [torch.load(two / f'rank{r}.pth', weights_only=True) for r in range(2)]
    for key, value in weights[0].items():  # DDP: every rank holds the same model
        if key != 'head.queue':  # each rank queues its own half of the batches
            assert torch.equal(value, weights[1][key]), key
    assert not torch.equal(weights[0]['head.queue'], weights[1]['head.queue'])
    reference = torch.load(one / 'rank0.pth', weights_only=True)
    for key, value in reference.items():  # and the same as 1 process, up to float sums
        if key != 'head.queue':
            torch.testing.assert_close(weights[0][key], value, **WEIGHT_TOL, msg=key)

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


def test_two_nodes_of_one_process_match_one_node_of_two(runs, tmp_path):
    """``tools/dist_train.sh CONFIG 1`` as NNODES=2 nodes (NODE_RANK 0 and 1) on 127.0.0.1:
    node r is rank r, so each rank sees the batches, and ends with the losses, the weights and
    the queue, of rank r of one node of two processes (within that test's tolerances)."""
    one, two, config, _, _ = runs
    nodes = tmp_path / 'nodes'
    logs = train_nodes(config, nodes, tmp_path, nnodes=2)
    assert all('backend nccl -> gloo' in log for log in logs)
    ranks, reference = rank_rows(nodes), rank_rows(two)
    check_losses_every_iteration(json.loads((one / 'rank0.json').read_text()), ranks)
    for r in range(2):
        assert [row['samples'] for row in ranks[r]] == [row['samples'] for row in reference[r]]
        for it, (got, want) in enumerate(zip(ranks[r], reference[r])):
            assert got['loss'] == pytest.approx(want['loss'], abs=LOSS_TOL), (r, it)
        weights = torch.load(nodes / f'rank{r}.pth', weights_only=True)
        for key, value in torch.load(two / f'rank{r}.pth', weights_only=True).items():
            torch.testing.assert_close(weights[key], value, **WEIGHT_TOL, msg=key)


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
