# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/prepare_cifar10.sh`` without the archive and without internet stops with what to do,
not with a raw urllib traceback (a fresh machine without ``../shared``)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_failed_download_names_the_archive_and_the_folder(tmp_path):
    if (REPO / 'data/cifar10/cifar-10-batches-py').is_dir():
        pytest.skip('data/cifar10 already holds the CIFAR-10 pickles: nothing to download')
    shared = tmp_path / 'no_shared'
    # every URL goes through a proxy on a closed local port: the download fails at once
    proxy = 'http://127.0.0.1:9'
    env = dict(os.environ, MMSWAV_SHARED_DATA=str(shared), http_proxy=proxy,
               https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy, no_proxy='',
               PATH=f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}')
    target = tmp_path / 'cifar10-jpg'
    out = subprocess.run(['bash', str(REPO / 'tools/prepare_cifar10.sh'), str(target)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert 'Traceback' not in out.stderr, out.stderr[-2000:]
    assert 'the CIFAR-10 download failed' in out.stderr
    assert f'cifar10-jpg.tar.gz (CIFAR-10 as JPEGs) in {shared}' in out.stderr
    assert 'MMSWAV_SHARED_DATA' in out.stderr
    assert not target.exists()
