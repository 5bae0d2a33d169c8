# Copyright (c) mmswav contributors. All rights reserved.
"""The transfer tools stop with the install command when mmcv's ops (mmcv-lite) or mmdet /
mmseg are missing, and run past the check when they are there."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from mmswav.apis import downstream
from mmswav.utils import transfer_stack

REPO = Path(__file__).resolve().parents[2]


def _ops_import() -> bool:
    """Independent of has_mmcv_ops: does an op really import?"""
    try:
        from mmcv.ops import nms  # noqa: F401
    except ImportError:
        return False
    return True


def test_has_mmcv_ops_matches_a_real_op_import():
    assert transfer_stack.has_mmcv_ops() == _ops_import()


@pytest.mark.parametrize('codebase', ['mmdet', 'mmseg'])
def test_launcher_without_ops_names_the_install_command(monkeypatch, codebase, tmp_path):
    monkeypatch.setattr(transfer_stack, 'has_mmcv_ops', lambda: False)
    with pytest.raises(SystemExit) as error:
        downstream.main(codebase, ['some_config.py', str(tmp_path / 'ckpt.pth')])
    message = str(error.value)
    assert 'mmcv 2.1.0 with its compiled ops' in message
    assert message.rstrip().endswith('bash tools/install.sh --transfer')


def test_missing_codebase_is_named(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(transfer_stack, 'has_mmcv_ops', lambda: True)
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'mmseg' else real_find_spec(name, *a))
    assert transfer_stack.missing_transfer_stack('mmseg') == ['mmsegmentation 1.2.2']
    with pytest.raises(ValueError, match='codebase must be one of'):
        transfer_stack.missing_transfer_stack('mmocr')


@pytest.mark.skipif(not _ops_import(), reason='core install (mmcv-lite): no transfer stack')
def test_launcher_with_the_stack_passes_the_check(tmp_path):
    """With the full stack the launcher gets past the check and fails on the config."""
    script = REPO / 'tools' / 'benchmarks' / 'mmdetection' / 'train.py'
    result = subprocess.run([sys.executable, str(script), str(tmp_path / 'no_such_config.py'),
                             str(tmp_path / 'ckpt.pth')], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode != 0
    assert 'install.sh --transfer' not in result.stderr
    assert 'no_such_config.py' in result.stderr
