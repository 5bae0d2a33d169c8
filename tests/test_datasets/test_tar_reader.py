# Copyright (c) mmswav contributors. All rights reserved.
"""The lean shard reader gives exactly webdataset's samples (ustar, pax and GNU long names,
meta and extension-less members, directories) and refuses a damaged or truncated tar."""
import io
import tarfile

import pytest
from webdataset import tariterators

from mmswav.datasets.shards.tar_reader import tar_members, tar_samples

NAMES = ['a/' + 'long' * 40 + '/k1.jpg', 'a/' + 'long' * 40 + '/k1.CLS', 'ü/k2.jpg',
         '__meta__', '.hidden.jpg', 'noext', 'k3.seg.png', 'k3.json', 'k4.jpg']


def write_tar(path, fmt, names=NAMES, size=700):
    with tarfile.open(path, 'w', format=fmt) as tar:
        for i, name in enumerate(names):
            info = tarfile.TarInfo(name)
            data = bytes([i]) * (size + i)  # not a multiple of 512: padding is skipped
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        folder = tarfile.TarInfo('folder')
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    return str(path)


def webdataset_samples(path):
    return [{k: v for k, v in s.items() if k != '__local_path__'}
            for s in tariterators.tarfile_samples([dict(url=path)])]


@pytest.mark.parametrize('fmt', [tarfile.USTAR_FORMAT, tarfile.PAX_FORMAT,
                                 tarfile.GNU_FORMAT])
def test_same_samples_as_webdataset(tmp_path, fmt):
    names = NAMES if fmt != tarfile.USTAR_FORMAT else [n for n in NAMES if len(n) < 100]
    path = write_tar(tmp_path / 'shard.tar', fmt, names)
    ours = list(tar_samples(path))
    assert ours == webdataset_samples(path)
    assert [s['__key__'] for s in ours][-2:] == ['k3', 'k4']
    i = names.index('k3.seg.png')  # the extension is everything after the first dot
    assert ours[-2]['seg.png'] == bytes([i]) * (700 + i)


def test_damaged_and_truncated_shards_raise(tmp_path):
    path = write_tar(tmp_path / 'shard.tar', tarfile.USTAR_FORMAT, ['k1.jpg', 'k2.jpg'])
    data = bytearray(open(path, 'rb').read())
    assert [n for n, _ in tar_members(path)] == ['k1.jpg', 'k2.jpg']
    second = 512 + 1024  # header + 700 bytes padded to 1024
    with tarfile.open(path) as tar:
        assert tar.getmembers()[1].offset == second
    damaged = tmp_path / 'damaged.tar'
    data[second + 5] ^= 0xFF  # a byte of the second header's name
    damaged.write_bytes(bytes(data))
    with pytest.raises(OSError, match=f'damaged tar header at byte {second}'):
        list(tar_members(str(damaged)))
    truncated = tmp_path / 'truncated.tar'
    truncated.write_bytes(open(path, 'rb').read()[:second + 512 + 100])
    with pytest.raises(OSError, match=f'truncated member at byte {second}'):
        list(tar_members(str(truncated)))
