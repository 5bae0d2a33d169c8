# Copyright (c) mmswav contributors. All rights reserved.
"""``--numerics``: the settings' config switches, the choice rule, the loss check, and a
probe that leaves the random state and the config as it found them."""
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmswav.engine.numerics import (
    SETTINGS,
    apply_setting,
    requested_setting,
    supported,
)
from mmswav.engine.numerics_probe import LOSS_RTOL, MARGIN, agreeing, choose_numerics, pick
from mmswav.registry import MODELS
from mmswav.utils.config_checks import ConfigError
from tests.conftest import make_image_folder
from tests.test_engine.cli_helpers import CONFIG


def tiny_cfg(images) -> Config:
    cfg = Config.fromfile(CONFIG)
    cfg.train_dataloader.dataset.data_root = str(images)
    cfg.model.backbone.update(stem_channels=16, base_channels=16)
    cfg.model.neck.in_channels = 128
    return cfg


@pytest.mark.parametrize('setting', SETTINGS)
def test_each_setting_sets_its_two_switches(setting):
    cfg = Config.fromfile(CONFIG)
    cfg.optim_wrapper.type = 'AutocastOptimWrapper'  # fp32 / channels_last must undo it
    cfg.optim_wrapper.dtype = 'bfloat16'
    apply_setting(cfg, setting)
    bf16, layout = setting.startswith('bf16'), setting.endswith('channels_last')
    assert cfg.numerics == setting
    assert cfg.model.channels_last is layout
    assert cfg.optim_wrapper.type == ('AutocastOptimWrapper' if bf16 else 'OptimWrapper')
    assert cfg.optim_wrapper.get('dtype') == ('bfloat16' if bf16 else None)
    model = MODELS.build(cfg.model)
    conv = model.backbone.conv1.weight  # [64, 3, 7, 7]
    assert conv.is_contiguous(memory_format=torch.channels_last) is layout
    assert conv.dtype == torch.float32  # bf16 is autocast: the weights stay float32


def test_what_is_requested():
    cfg = Config.fromfile(CONFIG)
    assert requested_setting(cfg, None, None) is None  # the config as written
    assert requested_setting(cfg, None, '/my/images') == 'auto'  # own images: auto
    assert requested_setting(cfg, 'fp32', '/my/images') == 'fp32'  # explicit wins
    cfg.numerics = 'channels_last'
    assert requested_setting(cfg, None, None) == 'channels_last'
    assert requested_setting(cfg, 'bf16', None) == 'bf16'
    assert requested_setting(cfg, None, None, amp=True) is None  # --amp: its own path
    with pytest.raises(ConfigError, match='--amp and --numerics fp32 contradict'):
        requested_setting(cfg, 'fp32', None, amp=True)
    cfg.numerics = 'fast'
    with pytest.raises(ConfigError, match="numerics='fast' in the config"):
        requested_setting(cfg, None, None)


def test_channels_last_needs_a_model_that_has_it():
    cfg = Config.fromfile(
        'configs/benchmarks/classification/cifar10/resnet18_linear-1xb256-coslr-20e_cifar10.py')
    assert supported(cfg) == ('fp32', 'bf16')  # ImageClassifier has no channels_last
    with pytest.raises(ConfigError, match='--numerics channels_last: not available'):
        apply_setting(cfg, 'channels_last')
    assert supported(Config.fromfile(CONFIG)) == SETTINGS


def test_the_choice_rule():
    order = SETTINGS
    times = dict(fp32=1.0, channels_last=0.9, bf16=0.6, bf16_channels_last=0.55)
    every = {s: True for s in order}
    assert pick(times, every, order) == 'bf16_channels_last'
    # the fastest disagrees with fp32: the next fastest that agrees
    assert pick(times, dict(every, bf16_channels_last=False), order) == 'bf16'
    # less than MARGIN faster than the pick so far: not worth leaving it
    close = dict(fp32=1.0, channels_last=1.0 / MARGIN + 0.01, bf16=1.2, bf16_channels_last=1.1)
    assert pick(close, every, order) == 'fp32'
    assert pick(times, {s: s == 'fp32' for s in order}, order) == 'fp32'


def test_losses_agree_within_the_tolerance_only():
    ref = 5.0
    losses = dict(fp32=ref, a=ref * (1 + LOSS_RTOL / 2), b=ref * (1 - 2 * LOSS_RTOL),
                  c=float('nan'), d=float('inf'))
    assert agreeing(losses, ref) == dict(fp32=True, a=True, b=False, c=False, d=False)


def test_probe_picks_an_agreeing_setting_and_leaves_no_trace(tmp_path):
    cfg = tiny_cfg(make_image_folder(tmp_path / 'images'))
    before = cfg.pretty_text
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    setting, line = choose_numerics(cfg, SETTINGS, budget_s=10.0)
    # the random states are the ones the run would have had without the probe
    assert random.getstate() == states[0]
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), states[1]))
    assert torch.equal(torch.get_rng_state(), states[2])
    assert cfg.pretty_text == before  # the probe works on copies
    assert setting in SETTINGS
    assert '\n' not in line and line.startswith(f'numerics auto: {setting} | ')
    for other in SETTINGS[1:]:
        assert f' {other} ' in line.split('|')[1]  # its speed ratio
    first = line.split('|')[2]  # 'first-step loss fp32 x, channels_last y, ...'
    losses = [float(v.split()[-1]) for v in first.split('(rtol')[0].replace(
        'first-step loss', '').split(',')]
    assert len(losses) == 4 and all(np.isfinite(losses))
    # float32 in another memory layout: the same loss up to rounding
    assert losses[1] == pytest.approx(losses[0], rel=1e-4)
    # a setting is flagged exactly when its loss is off by more than the tolerance
    for name, value in zip(SETTINGS[1:], losses[1:]):
        off = abs(value - losses[0]) > LOSS_RTOL * abs(losses[0]) * 1.001
        assert (f'{name} {value:.4f} DISAGREES' in line) == off, line
    if setting != 'fp32':
        assert abs(losses[SETTINGS.index(setting)] - losses[0]) <= LOSS_RTOL * losses[0]


def test_probe_too_slow_keeps_the_config(tmp_path):
    cfg = tiny_cfg(make_image_folder(tmp_path / 'images'))
    setting, line = choose_numerics(cfg, SETTINGS, budget_s=0.01)
    assert setting is None
    assert line.startswith('numerics auto: the config as written | a step takes ')
