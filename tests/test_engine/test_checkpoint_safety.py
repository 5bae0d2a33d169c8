# Copyright (c) mmswav contributors. All rights reserved.
"""Checkpoints through the real command line: atomic saves (a full disk leaves the previous
checkpoint), resume past a torn latest checkpoint, truncations never loaded as intact, and
pickles that would run code refused."""
import os

import pytest
import torch
from mmengine.runner import CheckpointLoader

from mmswav.engine.resume import check_checkpoint
from mmswav.utils.checkpoint import (
    TRUST_ENV,
    CheckpointError,
    UnsafeCheckpointError,
    load_local_checkpoint,
)
from tests.test_engine.cli_helpers import copy_run, train


def test_torn_latest_checkpoint_resumes_from_the_previous_one(finished, tmp_path):
    images, work = copy_run(finished, tmp_path)
    latest = work / 'epoch_2.pth'
    latest.write_bytes(latest.read_bytes()[:latest.stat().st_size // 2])  # a crash mid-write
    rc, log = train(work, images, '--resume')
    assert rc == 0, log[-3000:]
    assert f'cannot resume from {latest}: not a readable checkpoint' in log
    assert f'resuming from {work / "epoch_1.pth"} instead of {latest}' in log
    assert 'resumed epoch: 1, iter: 4' in log
    assert check_checkpoint(str(latest))['iter'] == 8  # epoch 2 trained again and saved
    assert (work / 'last_checkpoint').read_text() == str(latest)


def test_truncations_are_never_loaded_as_intact(finished, tmp_path):
    images, work = finished
    data = (work / 'epoch_1.pth').read_bytes()
    size = len(data)
    damaged = tmp_path / 'damaged.pth'
    for cut in (0, 1, 100, size // 10, size // 2, size - 1000, size - 22, size - 1):
        damaged.write_bytes(data[:cut])
        for load in (check_checkpoint, load_local_checkpoint,
                     CheckpointLoader.load_checkpoint):  # mmengine's loader (load_from)
            with pytest.raises(CheckpointError, match=str(damaged)):
                load(str(damaged))
    middle = bytearray(data)
    middle[size // 2:size // 2 + 8] = b'\xff' * 8  # bit rot inside a tensor: checksum
    damaged.write_bytes(bytes(middle))
    with pytest.raises(CheckpointError, match='checksum mismatch'):
        check_checkpoint(str(damaged))
    damaged.write_bytes(data[:size // 3])
    rc, log = train(tmp_path / 'other', images, '--resume', str(damaged))
    assert rc == 1 and f'--resume: cannot resume from {damaged}: not a readable' in log, \
        log[-2000:]


DISK_FULL_DRIVER = '''
import errno, runpy, sys
from mmengine.fileio import LocalBackend

put = LocalBackend.put


def full_disk(self, obj, filepath):
    if str(filepath).endswith('epoch_2.pth.tmp'):  # half written, then the disk is full
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
        raise OSError(errno.ENOSPC, 'No space left on device')
    return put(self, obj, filepath)


LocalBackend.put = full_disk
sys.argv = ['tools/train.py'] + sys.argv[1:]
runpy.run_path('tools/train.py', run_name='__main__')
'''


def test_failing_write_keeps_the_previous_checkpoint(finished, tmp_path):
    images = finished[0]
    driver = tmp_path / 'disk_full.py'
    driver.write_text(DISK_FULL_DRIVER)
    work = tmp_path / 'work'
    keep_one = ['default_hooks.checkpoint.max_keep_ckpts=1']
    rc, log = train(work, images, options=keep_one, driver=driver)
    assert rc != 0 and 'No space left on device' in log, log[-3000:]
    assert f'saving checkpoint {work / "epoch_2.pth"} failed' in log
    assert 'previous checkpoints and last_checkpoint are unchanged' in log
    # max_keep_ckpts=1 removes epoch_1 only after epoch_2 is in place: it never was
    assert sorted(p.name for p in work.glob('*.pth')) == ['epoch_1.pth']
    assert not list(work.glob('.*.tmp'))  # the torn temporary file is removed
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
    assert check_checkpoint(str(work / 'epoch_1.pth'))['iter'] == 4
    rc, log = train(work, images, '--resume', options=keep_one)  # space again: resume
    assert rc == 0, log[-3000:]
    assert check_checkpoint(str(work / 'epoch_2.pth'))['iter'] == 8
    assert not (work / 'epoch_1.pth').exists()  # now max_keep_ckpts=1 removes it


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_checkpoint_whose_pickle_runs_code_is_refused(finished, tmp_path, monkeypatch):
    images, work = finished
    marker = tmp_path / 'code_ran'
    evil = tmp_path / 'evil.pth'
    ckpt = torch.load(work / 'epoch_1.pth', weights_only=False)
    ckpt['meta']['payload'] = RunsCode(marker)
    torch.save(ckpt, evil)
    for load in (load_local_checkpoint, CheckpointLoader.load_checkpoint):
        with pytest.raises(UnsafeCheckpointError) as error:
            load(str(evil))
        assert str(evil) in str(error.value) and f'{TRUST_ENV}={evil}' in str(error.value)
    rc, log = train(tmp_path / 'w1', images, '--resume', str(evil))
    assert rc == 1 and 'refused' in log and str(evil) in log, log[-2000:]
    rc, log = train(tmp_path / 'w2', images, options=[f'load_from={evil}'])
    assert rc != 0 and 'UnsafeCheckpointError' in log and str(evil) in log, log[-2000:]
    assert not marker.exists()  # the code never ran
    # our own checkpoints need no trust: weights-only with the allowlisted types
    own = load_local_checkpoint(str(work / 'epoch_1.pth'))
    assert own['meta']['iter'] == 4 and 'train/loss' in own['message_hub']['log_scalars']
    monkeypatch.setenv(TRUST_ENV, str(evil))  # the explicit opt-in, naming the file
    load_local_checkpoint(str(evil))
    assert marker.exists()
