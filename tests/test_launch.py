# Copyright (c) mmswav contributors. All rights reserved.
"""``python -m mmswav.launch``: resolves ``PKG::PATH`` in a package's ``.mim`` (mmswav's own in
a clone), runs the script as ``python SCRIPT ARGS`` would, and says what is missing.

Faults caught: a wrong folder for ``PKG::``, ``sys.argv`` / ``__main__`` not as for a script,
mmswav not registered before the script runs, a silent exit on a missing script."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from mmswav.launch import resolve_script
from mmswav.package_files import mim_root, tool_path

REPO = Path(__file__).resolve().parents[1]


def test_tool_path_names_a_tool_reachable_from_here(tmp_path, monkeypatch):
    """The commands printed after training: ``tools/...`` in a clone's root, the installed
    copy's absolute path anywhere else (a relative path there names nothing)."""
    knn = 'tools/benchmarks/knn.py'
    monkeypatch.chdir(tmp_path)
    assert tool_path(knn) == str(mim_root() / knn) and Path(tool_path(knn)).is_file()
    assert tool_path('tools/nope.py') == 'tools/nope.py'  # unknown: unchanged
    monkeypatch.chdir(REPO)
    assert tool_path(knn) == knn


def test_resolve_script(tmp_path):
    assert resolve_script('mmswav::tools/train.py') == str(mim_root() / 'tools' / 'train.py')
    assert Path(resolve_script('mmswav::tools/train.py')).read_bytes() == \
        (REPO / 'tools' / 'train.py').read_bytes()
    if importlib.util.find_spec('mmdet') is not None:
        found = Path(resolve_script('mmdet::tools/train.py'))
        assert found.parts[-4:] == ('mmdet', '.mim', 'tools', 'train.py')
    with pytest.raises(FileNotFoundError, match='nope.py'):
        resolve_script('mmswav::tools/nope.py')
    with pytest.raises(ModuleNotFoundError, match='not installed'):
        resolve_script('no_such_package_xyz::tools/train.py')
    with pytest.raises(FileNotFoundError, match='not found'):
        resolve_script(str(tmp_path / 'missing.py'))


def test_runs_script_like_python(tmp_path):
    script = tmp_path / 'their_train.py'
    script.write_text(
        'import sys\n'
        'from mmengine.config.utils import MODULE2PACKAGE\n'
        'print(__name__, sys.argv[1:], sys.path[0], MODULE2PACKAGE.get("mmswav"))\n')
    out = subprocess.run([sys.executable, '-m', 'mmswav.launch', str(script), 'a', '--b'],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split('\n')[0] == f"__main__ ['a', '--b'] {tmp_path} mmswav"
    out = subprocess.run([sys.executable, '-m', 'mmswav.launch', 'missing.py'], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and 'error: script missing.py not found' in out.stderr
    out = subprocess.run([sys.executable, '-m', 'mmswav.launch'], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and 'usage: python -m mmswav.launch' in out.stdout
