# Copyright (c) mmswav contributors. All rights reserved.
"""The wheel carries the repository's configs, tools and model index under ``mmswav/.mim``
(written by setup.py at build time), byte for byte; an editable build links them instead.

Faults caught: setup.py's build hook or MANIFEST-free copy missing (no ``.mim``), a config or
tool left out or stale, data or tests packed into the wheel, the editable build not linking."""
import subprocess
import sys
import zipfile
from pathlib import Path

from .scratch_install import REPO, Outside, copy_source, wheel_names

MIM = 'mmswav/.mim/'
R50 = 'swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py'


def repo_files(folder: str):
    """Files of ``folder`` as setup.py copies them (no caches, no hidden files)."""
    return sorted(p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob('*')
                  if p.is_file() and p.suffix != '.pyc'
                  and not any(part == '__pycache__' or part.startswith('.')
                              for part in p.relative_to(REPO).parts))


def test_wheel_holds_configs_tools_and_model_index(wheel):
    names = set(wheel_names(wheel))
    expected = repo_files('configs') + repo_files('tools') + ['model-index.yml']
    assert len(expected) > 60  # every config, every tool
    missing = [f for f in expected if MIM + f not in names]
    assert not missing, f'not in the wheel: {missing[:10]}'
    with zipfile.ZipFile(wheel) as archive:  # the repository's own bytes, not stale copies
        for name in expected:
            assert archive.read(MIM + name) == (REPO / name).read_bytes(), name
    mim = {n for n in names if n.startswith(MIM)}
    assert mim == {MIM + f for f in expected}, sorted(mim - {MIM + f for f in expected})[:10]
    # the package itself: code, the new-style configs; never tests or data
    assert 'mmswav/launch.py' in names and 'mmswav/package_files.py' in names
    assert ('mmswav/configs/swav/swav_resnet50_8xb32_mcrop_2_6_coslr_200e_in1k_224_96.py'
            in names)
    assert not [n for n in names if n.startswith(('tests/', 'data/', 'configs/', 'tools/'))]
    print(f'{wheel.name}: {len(names)} files, {len(mim)} under {MIM}')


def test_editable_build_links_the_repository(tmp_path):
    """setuptools' PEP 660 hook (what `pip install -e .` calls) runs setup.py's build_py in
    editable mode: ``mmswav/.mim/<name>`` become links to the tree's own files."""
    src = copy_source(tmp_path / 'src')
    code = ('from setuptools import build_meta; import sys; '
            'print(build_meta.build_editable(sys.argv[1]))')
    subprocess.run([sys.executable, '-c', code, str(tmp_path / 'out')], cwd=src, check=True,
                   capture_output=True, text=True, timeout=300)
    mim = src / 'mmswav' / '.mim'
    for name in ('configs', 'tools', 'model-index.yml'):
        assert (mim / name).is_symlink(), name
        assert (mim / name).resolve() == (src / name).resolve()
    assert (mim / 'configs/swav/metafile.yml').read_bytes() == \
        (src / 'configs/swav/metafile.yml').read_bytes()
    editable = list((tmp_path / 'out').glob('mmswav-*.whl'))
    assert editable and not any(Path(n).name == 'model-index.yml'
                                for n in wheel_names(editable[0]))
    # the package of that tree imported (as the editable finder maps it): mmengine finds its
    # configs there, though the environment's mmswav distribution is recorded elsewhere
    (tmp_path / 'project').mkdir()
    (tmp_path / 'project' / 'cfg.py').write_text(f"_base_ = 'mmswav::{R50}'\n")
    code = ('import mmswav; from mmengine.config import Config; '
            'print(Config.fromfile("cfg.py").model.type); '
            f'print(Config._get_cfg_path("mmswav::{R50}", "cfg.py")[0])')
    out = Outside(src).run(['-c', code], tmp_path / 'project').stdout.split()
    assert out[-2:] == ['SwAV', str(mim / 'configs' / R50)]
