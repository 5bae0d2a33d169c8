# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/benchmarks/quickstart_budget.py`` (``QS_MINUTES``): measures real iterations of a
config on this machine and fits the epochs into the budget, saying why."""
import json
import subprocess
import sys

from mmswav.utils.time_budget import SAFETY
from tests.conftest import make_image_folder
from tests.test_engine.cli_helpers import CONFIG, REPO, child_env


def test_the_plan_fits_the_budget_and_says_why(tmp_path):
    images = make_image_folder(tmp_path / 'images', per_class=16)  # 32 images, batch 4
    out = tmp_path / 'plan.json'
    # 1 + 10 iterations of an 8-iteration epoch: the timing goes on into the next epoch (a
    # small folder or QS_SUBSET; it stopped with StopIteration)
    cmd = [sys.executable, 'tools/benchmarks/quickstart_budget.py', str(CONFIG), '--minutes',
           '20', '--numerics', 'fp32', '--iters', '10', '--warmup', '1', '--out', str(out),
           '--cfg-options', f'train_dataloader.dataset.data_root={images}',
           'model.backbone.stem_channels=16', 'model.backbone.base_channels=16',
           'model.neck.in_channels=128']
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600,
                         env=child_env(1))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    plan = json.loads(out.read_text())
    assert plan['numerics'] == 'fp32' and plan['iters_per_epoch'] == 8  # 32 / 4, drop_last
    assert plan['iter_s'] > 0 and plan['startup_s'] >= plan['measure_s'] > 0
    expected = plan['startup_s'] + plan['epochs'] * 8 * plan['iter_s']
    assert expected <= 20 * 60 * (1 - SAFETY)  # the budget, with its spare
    assert plan['epochs'] == 800 or expected + 8 * plan['iter_s'] > 20 * 60 * (1 - SAFETY)
    line = next(x for x in run.stdout.splitlines() if x.startswith('[quickstart] budget'))
    assert f"{plan['epochs']} epochs: " in line and 's/iteration x 8 iterations' in line


SLOW_HOOK = '''
import time
from mmengine.hooks import Hook
from mmswav.registry import HOOKS


@HOOKS.register_module()
class SlowLoggingHook(Hook):
    """Stands for the cost of a run's hooks: 0.2 s after every iteration."""

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        time.sleep(0.2)
'''


def test_the_probe_times_the_hooks_of_a_real_run(tmp_path):
    """The iterations are timed in mmengine's Runner with the config's hooks: a bare loop of
    ``train_step`` calls measured 10-21 % less than the runs took. A hook sleeping 0.2 s per
    iteration must show in the measured time (a bare loop would not see it)."""
    images = make_image_folder(tmp_path / 'images', per_class=16)
    (tmp_path / 'slow_hook.py').write_text(SLOW_HOOK)
    config = tmp_path / 'slow.py'
    config.write_text(f"_base_ = ['{CONFIG}']\ncustom_imports = dict(imports=['slow_hook'])\n"
                      "custom_hooks = [dict(type='SwAVHook'), dict(type='SlowLoggingHook')]\n")
    out = tmp_path / 'plan.json'
    cmd = [sys.executable, 'tools/benchmarks/quickstart_budget.py', str(config), '--minutes',
           '20', '--numerics', 'fp32', '--iters', '4', '--warmup', '1', '--out', str(out),
           '--cfg-options', f'train_dataloader.dataset.data_root={images}']
    env = child_env(1, PYTHONPATH=f'{tmp_path}:{REPO}')
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    plan = json.loads(out.read_text())
    assert plan['iter_s'] >= 0.2, plan


def test_the_probe_refuses_no_warmup_iteration(tmp_path):
    """The clock starts at the end of the last warm-up iteration: ``--warmup 0`` never started
    it and ended in a TypeError after the whole timed run."""
    cmd = [sys.executable, 'tools/benchmarks/quickstart_budget.py', CONFIG, '--warmup', '0',
           '--out', str(tmp_path / 'plan.json')]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120,
                         env=child_env(1))
    assert run.returncode == 2 and '--warmup (0) and --iters (60) must be >= 1' in run.stderr
    assert not (tmp_path / 'plan.json').exists()
