# Copyright (c) mmswav contributors. All rights reserved.
"""Feature extraction over 2 gloo processes equals the single-process features (in memory
and as float16 memory maps); the blockwise top-max(k) kNN equals the dense computation."""
import json
import os
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmswav.evaluation import build_eval_dataset, extract_features
from mmswav.evaluation.dist_features import extract_features_dist, rank_share
from mmswav.evaluation.knn import knn_accuracy, knn_topk


def _model():
    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SwAV', data_preprocessor=dict(mean=[128.] * 3, std=[64.] * 3, to_rgb=True),
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8,
                      out_indices=(3, )),
        neck=dict(type='SwAVNeck', in_channels=64, hid_channels=16, out_channels=8),
        head=dict(type='SwAVHead', feat_dim=8, num_prototypes=4,
                  loss=dict(type='SwAVLoss', num_crops=[2]))))
    model.init_weights()
    return model.eval()


def _worker(rank, port, root, out, budget):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    feats, labels = extract_features_dist(_model(), build_eval_dataset(root, 'train'),
                                          batch_size=4, num_workers=0, progress=False,
                                          memory_budget_gb=budget, memmap_dir=out)
    if rank == 0:
        torch.save(dict(feature=torch.as_tensor(np.asarray(feats['feature'])),
                        labels=labels, memmap=isinstance(feats['feature'], np.ndarray)),
                   os.path.join(out, 'gathered.pth'))
    dist.destroy_process_group()


@pytest.mark.parametrize('budget', [8.0, 0.0], ids=['memory', 'memmap'])
def test_two_ranks_equal_single_process(tmp_path, budget):
    from tests.conftest import make_image_folder
    make_image_folder(tmp_path / 'data' / 'train', num_classes=3, per_class=7, size=32)
    root = str(tmp_path / 'data')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.start_processes(_worker, args=(port, root, str(tmp_path), budget), nprocs=2,
                       start_method='fork')
    got = torch.load(tmp_path / 'gathered.pth')
    loader = torch.utils.data.DataLoader(build_eval_dataset(root, 'train'), batch_size=5,
                                         collate_fn=__import__('mmengine').dataset.
                                         default_collate)
    ref, ref_labels = extract_features(_model(), loader, progress=False)
    assert got['memmap'] == (budget == 0.0)
    assert torch.equal(got['labels'], ref_labels)  # gathered in dataset order
    tol = dict(rtol=1e-3, atol=1e-3) if got['memmap'] else dict(rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(got['feature'].float(), ref['feature'], **tol)
    if got['memmap']:
        on_disk = np.load(tmp_path / 'features_feature.npy', mmap_mode='r')
        assert on_disk.dtype == np.float16 and on_disk.shape == tuple(ref['feature'].shape)


def test_rank_share_covers_in_order():
    shares = [rank_share(10, r, 3) for r in range(3)]
    assert [i for s in shares for i in s] == list(range(10))
    assert sorted(len(s) for s in shares) == [3, 3, 4]


def test_blockwise_topk_equals_dense_and_accepts_memmaps(tmp_path):
    gen = torch.Generator().manual_seed(0)
    bank, queries = torch.randn(300, 16, generator=gen), torch.randn(50, 16, generator=gen)
    dense = torch.nn.functional.normalize(queries, dim=1) @ \
        torch.nn.functional.normalize(bank, dim=1).t()
    ref_sim, ref_idx = dense.topk(20, dim=1)
    sim, idx = knn_topk(bank, queries, 20, query_chunk=7, bank_chunk=13)
    torch.testing.assert_close(sim, ref_sim)
    assert torch.equal(idx, ref_idx)
    path = tmp_path / 'bank.npy'
    np.save(path, bank.numpy().astype(np.float16))
    labels = torch.arange(300) % 4
    test_labels = torch.arange(50) % 4
    on_disk = knn_accuracy(np.load(path, mmap_mode='r'), labels, queries, test_labels,
                           ks=[5, 20], bank_chunk=64)
    in_memory = knn_accuracy(bank.half().float(), labels, queries, test_labels, ks=[5, 20])
    assert on_disk == pytest.approx(in_memory)
    assert json.loads(json.dumps(on_disk)).keys() == {'top1_k5', 'top1_k20'}
