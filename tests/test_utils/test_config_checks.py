# Copyright (c) mmswav contributors. All rights reserved.
"""``--cfg-options`` keys are checked against the class that the options themselves produce:
``optim_wrapper.type=AutocastOptimWrapper optim_wrapper.dtype=bfloat16`` is accepted (it was
refused with "OptimWrapper has no argument 'dtype'"), a typo is still named."""
import pytest
import torch

from tests.conftest import make_image_folder
from tests.test_engine.cli_helpers import train

AUTOCAST = ['optim_wrapper.type=AutocastOptimWrapper', 'train_cfg.max_epochs=1']


def test_a_key_of_the_type_set_in_the_same_command_is_accepted(tmp_path):
    images = make_image_folder(tmp_path / 'images')
    rc, log = train(tmp_path / 'w', images, options=AUTOCAST + ['optim_wrapper.dtype=bfloat16'])
    assert rc == 0, log[-3000:]
    dumped = (tmp_path / 'w' / 'swav_tiny_cpu.py').read_text()
    assert "type='AutocastOptimWrapper'" in dumped and "dtype='bfloat16'" in dumped
    ckpt = torch.load(tmp_path / 'w' / 'epoch_1.pth', weights_only=False)
    assert ckpt['meta']['mmswav_run']['batch_size'] == 4  # it trained


@pytest.mark.parametrize('options,message', [
    (AUTOCAST + ['optim_wrapper.dtyp=bfloat16'],
     "AutocastOptimWrapper has no argument 'dtyp'; did you mean optim_wrapper.dtype?"),
    (['optim_wrapper.dtype=bfloat16'], "OptimWrapper has no argument 'dtype'"),
])
def test_a_key_the_produced_type_lacks_is_refused(tmp_path, options, message):
    rc, log = train(tmp_path / 'w', tmp_path, options=options)
    assert rc != 0
    last = log.strip().splitlines()[-1]
    assert last.startswith('error: --cfg-options optim_wrapper.dtyp') and message in last, last
