# Copyright (c) mmswav contributors. All rights reserved.
"""An exact mid-epoch resume on WebDataset shards through the real command line: the shard
quick-start config on 80 CIFAR-10 JPEGs (8 shards, 2 dataloader workers, 10 batches an
epoch), stopped by SIGTERM after iteration 13, resumed, killed -9 after iteration 17 (the
last iteration checkpoint is 15) and resumed again, ends with the weights, queue, optimizer
state and per-iteration losses of the uninterrupted run, bit for bit; after each resume the
epoch's remaining samples come in the uninterrupted order, none of the trained ones again.

The runs go through a driver that runs ``tools/train.py`` unchanged after registering a
hook that only records each iteration's sample keys and loss (and, when told, signals its
own process after an iteration, so the stops, and the resumes' start batches, are the same
on every machine: 3 and 5, odd, so each worker continues the other worker's reader)."""
import json
import signal
import subprocess
import sys

import pytest
import torch

from tests.test_engine.cli_helpers import REPO, child_env
from tests.test_engine.test_resume_cli import joined_scalars

pytest.importorskip('webdataset', reason='webdataset is not installed (pip install '
                    'webdataset==1.0.2, as tools/install.sh does)')
from tests.test_datasets.test_webdataset_shards import shard_cifar10  # noqa: E402

CONFIG = REPO / ('configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_'
                 'cifar10-32-shards.py')
PER_EPOCH = 10  # 80 samples / batch 8, 2 workers x 5 batches
DRIVER = '''
import json, os, os.path as osp, runpy, signal, sys
from mmengine.hooks import Hook
from mmengine.runner import Runner

STOP = os.environ.get('STOP_AFTER')  # e.g. SIGTERM:13 = signal after iteration 13


class RecordKeys(Hook):
    priority = 'NORMAL'  # before InterruptHook (LOWEST), which saves and exits on a stop

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        keys = [int(s.sample_idx) for s in data_batch['data_samples']]
        row = [os.getpid(), runner.iter, keys, float(outputs['loss'])]
        with open(osp.join(runner.work_dir, 'keys.jsonl'), 'a') as f:
            f.write(json.dumps(row) + '\\n')
        if STOP and runner.iter + 1 == int(STOP.split(':')[1]):
            os.kill(os.getpid(), getattr(signal, STOP.split(':')[0]))


train = Runner.train


def train_recorded(self):
    self.register_hook(RecordKeys())
    return train(self)


Runner.train = train_recorded
sys.argv = ['tools/train.py'] + sys.argv[1:]
runpy.run_path('tools/train.py', run_name='__main__')
'''


@pytest.fixture(scope='module')
def shards(tmp_path_factory, request):
    """80 CIFAR-10 training JPEGs (8 per class) in 8 shards of 10 (images2shards.py)."""
    tmp = tmp_path_factory.mktemp('shards_cli')
    manifest = shard_cifar10(request.getfixturevalue('cifar10_root') / 'train', tmp, 8, 10, 1)
    (tmp / 'driver.py').write_text(DRIVER)
    return manifest, tmp / 'driver.py'


def train(shards, work_dir, *extra, stop=None):
    """The shard config, 2 epochs of 10 iterations: batch 8, 2 workers, a queue of 16 from
    epoch 2 (full and in use across both stops), prototypes frozen for 12 iterations, an
    iteration checkpoint every 5; through the recording driver."""
    manifest, driver = shards
    cmd = [sys.executable, str(driver), str(CONFIG), '--work-dir', str(work_dir), *extra,
           '--cfg-options', f'train_dataloader.dataset.manifest={manifest}',
           'train_dataloader.batch_size=8', 'train_dataloader.dataset.batch_size=8',
           'train_dataloader.num_workers=2', 'train_dataloader.dataset.num_workers=2',
           'train_cfg.max_epochs=2', 'model.head.queue_length=16',
           'model.head.epoch_queue_starts=1', 'model.head.freeze_prototypes_iters=12',
           'randomness.deterministic=True', 'default_hooks.logger.interval=1',
           'default_hooks.checkpoint.by_epoch=False', 'default_hooks.checkpoint.interval=5']
    env = child_env(1, MMSWAV_TENSORBOARD='0')  # every run: the same thread count
    env.pop('STOP_AFTER', None)
    if stop:
        env['STOP_AFTER'] = stop
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    return out.returncode, out.stdout + out.stderr


def records(work_dir):
    """``[(iteration, keys, loss)]`` of each run (process) of the work dir, in order."""
    runs = {}
    for line in (work_dir / 'keys.jsonl').read_text().splitlines():
        pid, *row = json.loads(line)
        runs.setdefault(pid, []).append(tuple(row))
    return list(runs.values())


def test_sigterm_and_kill9_resumes_on_shards_equal_uninterrupted(shards, tmp_path):
    rc, log = train(shards, tmp_path / 'full')
    assert rc == 0, log[-3000:]
    [full] = records(tmp_path / 'full')
    assert [i for i, _, _ in full] == list(range(2 * PER_EPOCH))
    for epoch in range(2):  # every sample once per epoch (equal shards, no duplicates)
        keys = [k for _, batch, _ in full[epoch * 10:(epoch + 1) * 10] for k in batch]
        assert sorted(keys) == list(range(80)), epoch

    cut = tmp_path / 'cut'
    rc, log = train(shards, cut, stop='SIGTERM:13')  # epoch 2, batch 3 done
    assert rc == 128 + signal.SIGTERM, log[-3000:]
    assert (cut / 'last_checkpoint').read_text() == str(cut / 'iter_13.pth')
    rc, log = train(shards, cut, '--resume', stop='SIGKILL:17')  # iter_15.pth is the last
    assert rc == -signal.SIGKILL, log[-3000:]
    assert 'Resuming inside epoch 2: the dataset starts at its batch 3' in log, log[-3000:]
    assert (cut / 'last_checkpoint').read_text() == str(cut / 'iter_15.pth')
    rc, log = train(shards, cut, '--resume')
    assert rc == 0, log[-3000:]
    assert 'Resuming inside epoch 2: the dataset starts at its batch 5' in log, log[-3000:]

    first, second, third = records(cut)
    assert [i for i, _, _ in first] == list(range(13))
    assert [i for i, _, _ in second] == list(range(13, 17))
    assert [i for i, _, _ in third] == list(range(15, 20))
    # the resumed runs trained exactly the rest of epoch 2, in the uninterrupted order
    # (keys and losses of the killed run's iterations 15 and 16 are trained again)
    assert first + second[:2] + third == full
    assert second[2:] == third[:2]
    epoch2 = [k for _, batch, _ in first[10:] + second[:2] + third for k in batch]
    assert sorted(epoch2) == list(range(80))  # none repeated, none left out

    want = torch.load(tmp_path / 'full' / 'iter_20.pth', weights_only=False)
    got = torch.load(cut / 'iter_20.pth', weights_only=False)
    assert got['meta']['iter'] == want['meta']['iter'] == 20
    assert want['state_dict']['head.queue'].abs().sum() > 0  # the queue is in use
    for key, value in want['state_dict'].items():  # weights, queue, prototype schedule
        assert torch.equal(got['state_dict'][key], value), key
    for key, state in want['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(got['optimizer']['state'][key][name], value), (key, name)
    runs, scalars = joined_scalars(cut)  # the logged losses, joined by plot_curves
    assert runs == 3
    _, uninterrupted = joined_scalars(tmp_path / 'full')
    losses = [(r['iter'], r['loss']) for r in scalars if 'loss' in r]
    assert [i for i, _ in losses] == list(range(1, 21))
    assert losses == [(r['iter'], r['loss']) for r in uninterrupted if 'loss' in r]
