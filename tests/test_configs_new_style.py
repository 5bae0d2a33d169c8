# Copyright (c) mmswav contributors. All rights reserved.
"""The new-style twins under mmswav/configs load to exactly the settings of the old-style
configs they name (so neither drifts), and every module there names an existing twin.

Faults caught: a value changed in one style only, a twin naming a config that is gone."""
import re
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
NEW = REPO / 'mmswav' / 'configs'
TWIN = re.compile(r'New-style twin of (configs/\S+\.py)')


def twins():
    for path in sorted(NEW.rglob('*.py')):
        if path.name == '__init__.py':
            continue
        found = TWIN.search(path.read_text())
        assert found, f'{path} does not name the old-style config it mirrors'
        yield path, REPO / found.group(1)


@pytest.mark.parametrize('new, old', list(twins()),
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_new_style_twin_equals_old_style(new: Path, old: Path):
    assert old.is_file(), f'{new} mirrors {old}, which does not exist'
    new_cfg, old_cfg = Config.fromfile(str(new)).to_dict(), Config.fromfile(str(old)).to_dict()
    assert set(new_cfg) == set(old_cfg), set(new_cfg) ^ set(old_cfg)
    for key in old_cfg:
        assert new_cfg[key] == old_cfg[key], (key, new_cfg[key], old_cfg[key])
