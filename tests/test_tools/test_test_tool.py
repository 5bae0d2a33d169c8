# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/test.py``: the checkpoint becomes ``load_from``; a config without a test split
fails with a message saying what is missing."""
import importlib.util
from argparse import Namespace
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'


def _tool():
    spec = importlib.util.spec_from_file_location('mmswav_test_tool', REPO / 'tools/test.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _args(**kwargs):
    base = dict(config=str(CONFIG), checkpoint='ckpt.pth', work_dir=None, cfg_options=None,
                launcher='none')
    base.update(kwargs)
    return Namespace(**base)


def test_pretrain_config_without_test_split_is_refused():
    with pytest.raises(SystemExit, match='no test_dataloader, test_evaluator, test_cfg'):
        _tool().merge_args(Config.fromfile(CONFIG), _args())


def test_checkpoint_work_dir_and_options_are_applied(tmp_path):
    options = dict(test_dataloader=dict(batch_size=1), test_evaluator=dict(type='Accuracy'),
                   test_cfg=dict(type='TestLoop'))
    cfg = _tool().merge_args(Config.fromfile(CONFIG),
                             _args(cfg_options=options, work_dir=str(tmp_path)))
    assert cfg.load_from == 'ckpt.pth' and cfg.work_dir == str(tmp_path)
    assert cfg.test_cfg.type == 'TestLoop' and cfg.launcher == 'none'
