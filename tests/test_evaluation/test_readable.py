# Copyright (c) mmswav contributors. All rights reserved.
"""Feature extraction leaves unreadable images out and names them, never substituting
another image: over 1 and 2 ranks, in memory and into float16 memory maps, the features and
labels equal those of the same folder without the broken files."""
import os
import shutil
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.dataset import default_collate

from mmswav.evaluation import build_eval_dataset, extract_features
from mmswav.evaluation.dist_features import extract_features_dist
from tests.test_evaluation.test_dist_features import _model
from tests.test_tools.analysis_cli import bad_files

BROKEN = ['empty.png', 'truncated.jpg']


def _worker(rank, world, port, root, out, budget):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    if world > 1:
        dist.init_process_group('gloo', rank=rank, world_size=world)
    skipped = []
    feats, labels = extract_features_dist(_model(), build_eval_dataset(root, 'train'),
                                          batch_size=3, num_workers=0, progress=False,
                                          memory_budget_gb=budget, memmap_dir=out,
                                          skipped=skipped)
    if rank == 0:
        torch.save(dict(feature=torch.as_tensor(np.asarray(feats['feature'], np.float32)),
                        labels=labels, skipped=[tuple(s) for s in skipped]),
                   os.path.join(out, 'gathered.pth'))
    if world > 1:
        dist.destroy_process_group()


@pytest.mark.parametrize('world,budget', [(1, 8.0), (1, 0.0), (2, 0.0), (2, 8.0)],
                         ids=['1rank-memory', '1rank-memmap', '2ranks-memmap', '2ranks-memory'])
def test_unreadable_images_are_left_out(tmp_path, world, budget):
    from tests.conftest import make_image_folder
    root = tmp_path / 'data'
    make_image_folder(root / 'train', num_classes=3, per_class=5, size=32)
    clean = tmp_path / 'clean'
    shutil.copytree(root, clean)
    bad_files(root / 'train' / 'class1')  # + 2 broken, + 2 odd-mode PNGs (readable)
    bad_files(clean / 'train' / 'class1')
    for name in BROKEN:
        (clean / 'train' / 'class1' / name).unlink()
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    args = (world, port, str(root), str(tmp_path), budget)
    if world > 1:
        mp.start_processes(_worker, args=args, nprocs=world, start_method='fork')
    else:
        _worker(0, *args)
    got = torch.load(tmp_path / 'gathered.pth')
    loader = torch.utils.data.DataLoader(build_eval_dataset(str(clean), 'train'),
                                         batch_size=4, collate_fn=default_collate)
    ref, ref_labels = extract_features(_model(), loader, progress=False)
    assert torch.equal(got['labels'], ref_labels)
    tol = dict(rtol=1e-3, atol=1e-3) if budget == 0 else dict(rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(got['feature'], ref['feature'], **tol)
    dataset = build_eval_dataset(str(root), 'train')
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    assert all(paths[index] == path for index, path in got['skipped'])  # dataset indices
    assert sorted(os.path.basename(p) for _, p in got['skipped']) == BROKEN


def test_callers_with_labels_of_their_own_get_an_error(tmp_path):
    from tests.conftest import make_image_folder
    make_image_folder(tmp_path / 'train', num_classes=2, per_class=2, size=32)
    bad_files(tmp_path / 'train' / 'class0')
    loader = torch.utils.data.DataLoader(build_eval_dataset(str(tmp_path), 'train'),
                                         batch_size=4, collate_fn=default_collate)
    with pytest.raises(OSError, match=r'2 unreadable image\(s\): .*empty.png.*truncated.jpg'):
        extract_features(_model(), loader, progress=False)
