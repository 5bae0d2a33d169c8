# Copyright (c) mmswav contributors. All rights reserved.
"""Every analysis tool survives the folder that training survives: an empty PNG, a
truncated JPEG, a grey+alpha PNG and an RGBA PNG beside good photos. Each tool runs through
its command line; the two broken files are left out (never replaced by another image),
counted and named, the two odd-mode PNGs are analysed, and the rows stay the images they
name (the clusters equal the argmax computed by hand)."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.test_tools.analysis_cli import (
    CONFIG,
    OPTIONS,
    K,
    bad_files,
    by_hand,
    run,
    smooth_image,
    spread_checkpoint,
    tiny_model,
)

UNREADABLE = ['empty.png', 'truncated.jpg']


@pytest.fixture(scope='module')
def own(tmp_path_factory):
    """8 readable images (6 smooth ones in a mixed layout, the LA and RGBA PNGs) and the 2
    broken files; a checkpoint; the argmax cluster of every readable image by hand."""
    tmp = tmp_path_factory.mktemp('own')
    rng = np.random.default_rng(3)
    folder = tmp / 'photos'
    for i in range(6):
        path = folder / ('trip' if i % 2 else '') / f'{i}.jpg'
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(smooth_image(rng)).save(path, quality=95)
    bad_files(folder / 'trip')
    (folder / 'notes.txt').write_text('not an image')
    readable = sorted(p for p in folder.rglob('*.*')
                      if p.suffix != '.txt' and p.name not in UNREADABLE)
    arrays = [np.asarray(Image.open(p).convert('RGB')) for p in readable]
    model = tiny_model()
    ckpt = spread_checkpoint(model, arrays[:K], tmp / 'tiny.pth')
    _, scores = by_hand(model, arrays)
    clusters = dict(zip(map(str, readable), scores.argmax(dim=1).tolist()))
    return dict(tmp=tmp, folder=folder, ckpt=ckpt, clusters=clusters)


def assert_named(log: str):
    for name in UNREADABLE:
        assert name in log, f'{name} is not named in the log'


def test_cluster_images_folder_memmap_and_shards(own):
    tmp, folder = own['tmp'], own['folder']
    out = run('tools/analysis_tools/cluster_images.py', CONFIG, own['ckpt'], '--data', folder,
              '--out', tmp / 'clusters', '--num-workers', 0, '--memory-budget-gb', 0,
              *OPTIONS)  # float16 memory maps: the unreadable rows are compacted away
    log = out.stdout + out.stderr
    assert 'images found: 10' in log and 'unreadable (left out): 2' in log
    assert_named(log)
    rows = list(csv.DictReader(open(tmp / 'clusters' / 'assignments.csv')))
    assert {r['path']: int(r['cluster']) for r in rows} == own['clusters']
    assert json.loads((tmp / 'clusters' / 'clusters.json').read_text())['skipped'] == \
        [str(folder / 'trip' / n) for n in UNREADABLE]

    packed = run('tools/dataset_converters/images2shards.py', folder, tmp / 'shards',
                 '--workers', 1, '--shard-size', 3)
    assert 'found 10 = packed 8 + unreadable 2' in packed.stdout
    assert_named(packed.stdout)
    run('tools/analysis_tools/cluster_images.py', CONFIG, own['ckpt'], '--data',
        tmp / 'shards', '--out', tmp / 'from_shards', '--num-workers', 0, *OPTIONS)
    from_shards = list(csv.DictReader(open(tmp / 'from_shards' / 'assignments.csv')))
    assert len(from_shards) == 8  # the same images, stored in shards, in the same order
    assert [int(r['cluster']) for r in from_shards] == [int(r['cluster']) for r in rows]
    assert all('.tar/' in r['path'] for r in from_shards)


def test_prototype_usage_and_preview_crops(own):
    tmp, folder = own['tmp'], own['folder']
    out = run('tools/analysis_tools/prototype_usage.py', CONFIG, own['ckpt'], '--data', folder,
              '--out-dir', tmp / 'usage', *OPTIONS)
    assert_named(out.stdout + out.stderr)
    usage = json.loads((tmp / 'usage' / 'prototype_usage.json').read_text())
    assert sorted(Path(p).name for p in usage['skipped']) == UNREADABLE
    expected = np.bincount(list(own['clusters'].values()), minlength=K)
    assert usage['heads'][0]['counts'] == expected.tolist()  # 8 images, none substituted

    out = run('tools/analysis_tools/preview_crops.py', CONFIG, '--data', folder,
              '--num-images', 10, '--out', tmp / 'crops.png')
    assert 'skipped 2 unreadable image(s)' in out.stdout
    assert_named(out.stdout)
    assert '8 images x 2 views' in out.stdout  # every readable one, once
    assert Image.open(tmp / 'crops.png').size[1] == 8 * 32 * 4 + 2 * 9  # rows x zoom + pads


def test_knn_feature_extraction_skips_and_names(own, tmp_path):
    from tests.conftest import make_image_folder
    root = make_image_folder(tmp_path / 'labelled' / 'train', num_classes=2, per_class=4,
                             size=32).parent
    make_image_folder(root / 'test', num_classes=2, per_class=2, size=32, seed=1)
    bad_files(root / 'train' / 'class1')
    out = run('tools/benchmarks/knn.py', CONFIG, '--checkpoints', 'random', '--data-root',
              root, '--ks', 3, '--num-workers', 0, '--out', tmp_path / 'knn.json')
    log = out.stdout + out.stderr
    assert 'skipped 2 unreadable file(s) of 12 images' in log
    assert_named(log)
    assert json.loads((tmp_path / 'knn.json').read_text())['rows'][0]['top1_k3'] >= 0
