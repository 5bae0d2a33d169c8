# Copyright (c) mmswav contributors. All rights reserved.
import pytest

from tests.conftest import make_image_folder
from tests.test_engine.cli_helpers import train


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    """A finished 2-epoch run: epoch_1.pth, epoch_2.pth, last_checkpoint -> epoch_2.pth."""
    tmp = tmp_path_factory.mktemp('finished')
    images = make_image_folder(tmp / 'images')
    rc, log = train(tmp / 'work', images)
    assert rc == 0, log[-3000:]
    return images, tmp / 'work'
