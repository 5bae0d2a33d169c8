# Copyright (c) mmswav contributors. All rights reserved.
"""The evaluation tools' messages: --help text for every option, a progress bar of at most
~20 lines in a log file, no scikit-learn ConvergenceWarning from the linear probe."""
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from mmswav.evaluation import logistic_regression_accuracy
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / 'tests/data/swav_tiny_cpu.py'


def tool(script, *argv, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, str(REPO / 'tools/benchmarks' / script),
                           *map(str, argv)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize('script', ['knn.py', 'svm.py'])
def test_every_option_has_help_text(script):
    out = tool(script, '--help')
    assert out.returncode == 0, out.stderr
    body = out.stdout.split('options:', 1)[1].splitlines()
    options = [i for i, line in enumerate(body) if re.match(r'  -', line)]
    assert len(options) > 10
    bare = []
    for i in options:
        # help on the same line (after 2+ spaces) or on the next, indented, line
        same_line = re.match(r'  -\S.*?\s{2,}\S', body[i])
        next_line = i + 1 < len(body) and re.match(r'\s{10,}\S', body[i + 1])
        if not (same_line or next_line):
            bare.append(body[i].strip())
    assert not bare, f'options without help text: {bare}'


def test_knn_progress_and_probe_in_a_log_file(tmp_path):
    root = tmp_path / 'data'
    make_image_folder(root / 'train', num_classes=2, per_class=30, size=32)
    make_image_folder(root / 'test', num_classes=2, per_class=10, size=32, seed=1)
    out = tool('knn.py', TINY, '--data-root', root, '--batch-size', '2', '--num-workers', '0',
               '--ks', '5', '--linear')  # stdout is a pipe, as a log file
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    progress = [line for line in log.splitlines() if re.match(r'\[\d+/\d+\] \d+%', line)]
    assert progress and progress[-1].startswith('[20/20] 100%')
    assert len(progress) <= 2 * 21  # two splits, at most 21 lines each (60 updates each)
    assert '\r' not in out.stdout
    assert 'ConvergenceWarning' not in log
    assert 'linear_top1' in log


def test_probe_that_stops_early_says_so_without_convergence_warning(monkeypatch):
    from mmswav.evaluation import linear_probe
    logged = []
    monkeypatch.setattr(linear_probe, 'print_log', lambda msg, **kw: logged.append(msg))
    torch.manual_seed(0)
    feats, labels = torch.randn(200, 64), torch.randint(0, 5, (200, ))
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a ConvergenceWarning would fail the test
        acc = logistic_regression_accuracy(feats, labels, feats, labels, max_iter=2)
    assert 0. <= acc <= 100.
    assert len(logged) == 1 and 'stopped at max_iter=2' in logged[0]
    logged.clear()
    logistic_regression_accuracy(feats, labels, feats, labels)  # the default converges here
    assert not logged
