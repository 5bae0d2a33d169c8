# Copyright (c) mmswav contributors. All rights reserved.
"""tools/dataset_converters/images2shards.py through its command line on the layouts that
``tools/train.py --data`` takes: the shards hold exactly the readable images that
``UnlabeledImageDataset`` finds, class labels come only from a real ImageFolder (and the
layout is said), found = packed + unreadable, and ``--max-size`` downscales to JPEG."""
import io
import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmswav.datasets.unlabeled_images import UnlabeledImageDataset
from tests.test_tools.analysis_cli import bad_files, run

TOOL = 'tools/dataset_converters/images2shards.py'


def write(folder: Path, names, size=(20, 16)):
    rng = np.random.default_rng(len(names))
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(
            folder / name)


def members(out: Path) -> list:
    """``[(key, {extension: bytes})]`` of every shard of ``out``, in order."""
    samples = {}
    for shard in json.loads((out / 'manifest.json').read_text())['shards']:
        with tarfile.open(out / shard['file']) as tar:
            for m in tar:
                key, ext = m.name.split('.', 1)
                samples.setdefault(key, {})[ext] = tar.extractfile(m).read()
    return sorted(samples.items())


def counts(stdout: str):
    found = re.search(r'found (\d+) = packed (\d+) \+ unreadable (\d+)', stdout)
    return tuple(map(int, found.groups()))


@pytest.mark.parametrize('layout', ['flat', 'nested', 'mixed', 'imagefolder', 'list'])
def test_layouts_like_data(tmp_path, layout):
    src = tmp_path / 'src'
    names = {'flat': ['a.jpg', 'b.png', 'c.jpg'],
             'nested': ['trip/day1/a.jpg', 'trip/day2/b.png', 'home/c.jpg'],
             'mixed': ['top1.jpg', 'top2.png', 'cats/a.jpg', 'dogs/b.jpg', 'dogs/old/c.jpg'],
             'imagefolder': ['cats/a.jpg', 'cats/b.png', 'dogs/c.jpg', 'eels/d.jpg'],
             'list': ['x/a.jpg', 'y/b.jpg', 'c.png']}[layout]
    write(src, names)
    bad_files(src / ('cats' if layout == 'imagefolder' else ''))
    (src / 'notes.txt').write_text('not an image')
    source = src
    if layout == 'list':
        source = src / 'list.txt'
        source.write_text('x/a.jpg 3\ny/b.jpg 1\n# comment\nc.png 3\nempty.png 0\n')
    stdout = run(TOOL, source, tmp_path / 'out', '--workers', 1, '--shard-size', 2).stdout
    manifest = json.loads((tmp_path / 'out' / 'manifest.json').read_text())
    found, packed, unreadable = counts(stdout)
    assert found == packed + unreadable
    # the shards hold what --data trains on (independently: the dataset's file list)
    expected = UnlabeledImageDataset(str(source))
    readable = [expected.get_data_info(i)['img_path'] for i in range(len(expected))]
    readable = [p for p in readable if Path(p).name not in ('empty.png', 'truncated.jpg')]
    assert packed == len(readable) == manifest['num_samples'] == len(members(tmp_path / 'out'))
    assert unreadable == (1 if layout == 'list' else 2)
    labels = [int(m['cls']) if 'cls' in m else None for _, m in members(tmp_path / 'out')]
    if layout == 'imagefolder':
        assert 'ImageFolder (<class>/<image>) of 3 classes: labels kept as cls' in stdout
        assert manifest['classes'] == ['cats', 'dogs', 'eels']
        assert labels == [['cats', 'dogs', 'eels'].index(Path(p).parent.name) for p in readable]
        assert labels.count(0) == 4  # the 2 odd-mode PNGs are cats too
    elif layout == 'list':
        assert labels == [3, 1, 3]
    else:
        assert 'not an ImageFolder' in stdout and 'no class labels' in stdout
        assert manifest['classes'] is None and labels == [None] * packed
    if layout != 'list':
        assert '1 other file(s) ignored' in stdout  # notes.txt


def test_max_size_downscales_large_images_to_jpeg(tmp_path):
    src = tmp_path / 'src'
    write(src, ['big.png'], size=(300, 200))
    write(src, ['tall.jpg'], size=(90, 160))
    write(src, ['small.jpg'], size=(50, 40))
    run(TOOL, src, tmp_path / 'full', '--workers', 1)
    stdout = run(TOOL, src, tmp_path / 'small', '--workers', 1, '--max-size', 64).stdout
    assert '2 downscaled to <= 64 px' in stdout
    full, small = dict(members(tmp_path / 'full')), dict(members(tmp_path / 'small'))
    sizes = {key: Image.open(io.BytesIO(m['jpg'])).size for key, m in small.items()}
    # sorted file order: big.png, small.jpg, tall.jpg
    assert list(sizes.values()) == [(64, 43), (50, 40), (36, 64)]
    assert set(small['000000000']) == {'jpg'} and set(full['000000000']) == {'png'}
    assert small['000000001']['jpg'] == full['000000001']['jpg']  # small: its own bytes
    manifest = json.loads((tmp_path / 'small' / 'manifest.json').read_text())
    assert manifest['max_size'] == 64 and manifest['num_downscaled'] == 2
    size = {d: sum((tmp_path / d / s['file']).stat().st_size for s in json.loads(
        (tmp_path / d / 'manifest.json').read_text())['shards']) for d in ('full', 'small')}
    assert size['small'] < size['full']
