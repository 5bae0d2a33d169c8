# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/train.py --numerics`` through the real command line: ``auto`` logs its choice in
one line and trains exactly as the same setting given explicitly; a run in the picked setting
killed with -9 and resumed (with ``auto``, which reuses the saved choice) equals the
uninterrupted run."""
import re
import signal
import subprocess
import sys
import time

import torch

from tests.conftest import make_image_folder
from tests.test_engine.cli_helpers import CONFIG, REPO, child_env, train

ONE_EPOCH = ['train_cfg.max_epochs=1']
ITER_CKPT = ['default_hooks.checkpoint.by_epoch=False', 'default_hooks.checkpoint.interval=3']
AUTO_LINE = re.compile(r'numerics auto: (\w+) \| step speed vs fp32: channels_last [0-9.]+x, '
                       r'bf16 [0-9.]+x, bf16_channels_last [0-9.]+x \| first-step loss fp32 ')


def assert_same_checkpoint(want_path, got_path):
    want = torch.load(want_path, weights_only=False)
    got = torch.load(got_path, weights_only=False)
    for key, value in want['state_dict'].items():  # weights, queue, prototype schedule
        assert torch.equal(got['state_dict'][key], value), key
    for key, state in want['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(got['optimizer']['state'][key][name], value), (key, name)
    return want, got


def test_auto_logs_its_choice_once_and_equals_that_setting_given_explicitly(tmp_path):
    images = make_image_folder(tmp_path / 'images')
    rc, auto_log = train(tmp_path / 'auto', images, '--numerics', 'auto', options=ONE_EPOCH)
    assert rc == 0, auto_log[-3000:]
    lines = [line for line in auto_log.splitlines() if 'numerics auto:' in line]
    assert len(lines) == 1, lines
    setting = AUTO_LINE.search(lines[0]).group(1)
    rc, log = train(tmp_path / 'explicit', images, '--numerics', setting, options=ONE_EPOCH)
    assert rc == 0, log[-3000:]
    assert f'numerics: {setting} (set explicitly)' in log and 'numerics auto' not in log
    want, got = assert_same_checkpoint(tmp_path / 'explicit' / 'epoch_1.pth',
                                       tmp_path / 'auto' / 'epoch_1.pth')
    assert want['meta']['mmswav_run']['numerics'] == setting
    assert got['meta']['mmswav_run']['numerics'] == setting
    dumped = (tmp_path / 'auto' / 'swav_tiny_cpu.py').read_text()
    assert f"numerics = '{setting}'" in dumped


def test_explicit_bf16_channels_last_trains_in_bf16_with_channels_last(tmp_path):
    images = make_image_folder(tmp_path / 'images')
    rc, log = train(tmp_path / 'w', images, '--numerics', 'bf16_channels_last',
                    options=ONE_EPOCH)
    assert rc == 0, log[-3000:]
    dumped = (tmp_path / 'w' / 'swav_tiny_cpu.py').read_text()
    assert "type='AutocastOptimWrapper'" in dumped and "dtype='bfloat16'" in dumped
    assert 'channels_last=True' in dumped
    ckpt = torch.load(tmp_path / 'w' / 'epoch_1.pth', weights_only=False)
    assert ckpt['state_dict']['backbone.conv1.weight'].dtype == torch.float32


def test_kill9_then_resume_with_auto_in_the_picked_setting_equals_uninterrupted(tmp_path):
    """The picked setting on this kind of CPU (bf16 + channels_last); the resume passes
    ``auto``, which must take the saved setting, not time again."""
    threads, setting = 2, 'bf16_channels_last'
    images = make_image_folder(tmp_path / 'images')
    rc, log = train(tmp_path / 'full', images, '--numerics', setting, options=ITER_CKPT,
                    threads=threads)
    assert rc == 0, log[-3000:]
    cut = tmp_path / 'cut'
    cmd = [sys.executable, 'tools/train.py', str(CONFIG), '--work-dir', str(cut),
           '--numerics', setting, '--cfg-options',
           f'train_dataloader.dataset.data_root={images}', 'model.backbone.stem_channels=16',
           'model.backbone.base_channels=16', 'model.neck.in_channels=128', *ITER_CKPT]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=child_env(threads, PYTHONUNBUFFERED='1'))
    seen, deadline = '', time.time() + 900  # generous: a shared machine can be very busy
    while 'Epoch(train) [2][1/4]' not in seen and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    proc.send_signal(signal.SIGKILL)  # mid-epoch 2, no save
    assert 'Epoch(train) [2][1/4]' in seen, seen[-2000:]
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, seen[-2000:]
    assert not (cut / 'iter_8.pth').exists()
    rc, log = train(cut, images, '--resume', '--numerics', 'auto', options=ITER_CKPT,
                    threads=threads)
    assert rc == 0, log[-3000:]
    assert f'numerics: {setting} (auto: the choice of the run this one resumes)' in log
    assert 'numerics auto:' not in log  # no new timing
    assert re.search(r'resumed epoch: [01], iter: [36]\n', log), log[-3000:]
    assert_same_checkpoint(tmp_path / 'full' / 'iter_8.pth', cut / 'iter_8.pth')
