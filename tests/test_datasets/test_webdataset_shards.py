# Copyright (c) mmswav contributors. All rights reserved.
"""WebDatasetShards: every sample once per epoch over 2 gloo ranks x 2 workers, an exact
mid-epoch resume, undecodable members skipped and counted, the converter's manifest."""
import hashlib
import io
import json
import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp
from PIL import Image
from torch.utils.data import DataLoader

pytest.importorskip('webdataset', reason='webdataset is not installed (pip install '
                    'webdataset==1.0.2, as tools/install.sh does)')

from mmswav.datasets.shards import WebDatasetShards, plan_epoch, samples_per_slot  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools' / 'dataset_converters'))
import images2shards  # noqa: E402

BATCH = 25


def _keys(batch):
    return [int(s['sample_idx']) for s in batch]


def _rand(batch):
    return [float(s['rand']) for s in batch]


def shard_cifar10(train_root: Path, tmp: Path, per_class: int, shard_size: int,
                  workers: int) -> Path:
    """The first ``per_class`` CIFAR-10 training JPEGs of each class, written by
    images2shards.py into ``tmp/out``; returns the manifest path."""
    lines = [f'{train_root / c / f"{i:04d}.jpg"} {n}'
             for n, c in enumerate(sorted(os.listdir(train_root))) for i in range(per_class)]
    (tmp / 'list.txt').write_text('\n'.join(lines))
    manifest = images2shards.main([str(tmp / 'list.txt'), str(tmp / 'out'), '--shard-size',
                                   str(shard_size), '--workers', str(workers)])
    assert manifest['num_samples'] == 10 * per_class
    assert len(manifest['shards']) == -(-10 * per_class // shard_size)
    return tmp / 'out' / 'manifest.json'


@pytest.fixture(scope='module')
def cifar_shards(tmp_path_factory, request):
    """1,000 CIFAR-10 training JPEGs (100 per class) in 8 shards of 125."""
    return shard_cifar10(request.getfixturevalue('cifar10_root') / 'train',
                         tmp_path_factory.mktemp('shards'), 100, 125, 2)


def test_plan_deals_every_shard_once_per_epoch():
    counts = [100] * 7 + [30]
    plans = [plan_epoch(counts, 4, 10, seed=3, epoch=e) for e in range(3)]
    for plan in plans:
        assert sorted(i for slot in plan.slots for i in slot) == list(range(8))
        assert plan.samples_per_slot == 200  # 2 shards of 100 at most, whole batches
    assert plans[0].slots != plans[1].slots  # another order every epoch
    assert plan_epoch(counts, 4, 10, seed=3, epoch=1).slots == plans[1].slots
    assert samples_per_slot([125] * 8, 4, 25) == 250  # exact: 4 x 250 = 1,000
    with pytest.raises(ValueError, match='every reader needs a shard'):
        samples_per_slot([10] * 3, 4, 1)


class Rand:
    """A pipeline stage drawing from numpy's global RNG, as the crop transforms do."""

    def __call__(self, results):
        results['rand'] = float(np.random.rand())
        return results


def _dataset(manifest, workers=2):
    ds = WebDatasetShards(str(manifest), batch_size=BATCH, num_workers=workers,
                          buffer_size=100)
    ds.pipeline.transforms.append(Rand())
    return ds


def _epoch(ds, workers=2, start=0):
    ds.set_start_batch(start)
    loader = DataLoader(ds, batch_size=BATCH, num_workers=workers, collate_fn=list,
                        multiprocessing_context='fork' if workers else None)
    return [(_keys(b), _rand(b)) for b in loader]


def _worker(rank, port, manifest, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), OMP_NUM_THREADS='1')
    dist.init_process_group('gloo', rank=rank, world_size=2)
    ds = _dataset(manifest)
    result = dict(len=len(ds))
    for epoch in (0, 1):
        ds.set_epoch(epoch, seed=7)
        result[f'epoch{epoch}'] = _epoch(ds)
    ds.set_epoch(1, seed=7)
    result['resumed'] = _epoch(ds, start=3)  # 3 batches of epoch 1 were trained
    with open(out / f'rank{rank}.json', 'w') as f:
        json.dump(result, f)
    dist.destroy_process_group()


def test_two_ranks_two_workers_every_sample_once_and_resume(cifar_shards, tmp_path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.start_processes(_worker, args=(port, str(cifar_shards), tmp_path), nprocs=2,
                       start_method='fork')  # CPU only: forking the test process is safe
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in range(2)]
    assert [r['len'] for r in ranks] == [500, 500]
    for epoch in ('epoch0', 'epoch1'):
        seen = [k for r in ranks for keys, _ in r[epoch] for k in keys]
        assert len(seen) == 1000 and sorted(seen) == list(range(1000)), epoch
        assert all(len(r[epoch]) == 20 for r in ranks)  # 500 / 25 batches per rank
    assert ranks[0]['epoch0'] != ranks[0]['epoch1']  # a new order every epoch
    for r in ranks:  # exactly the remaining batches, same order, same augmentations
        assert r['resumed'] == r['epoch1'][3:]


def test_resume_at_every_worker_phase(cifar_shards):
    ds = _dataset(cifar_shards, workers=3)
    ds.set_epoch(2, seed=1)
    full = _epoch(ds, workers=3)
    keys = [k for b, _ in full for k in b]
    assert len(full) == len(ds) // BATCH and len(set(keys)) == len(keys) - (len(ds) - 1000)
    for start in (1, 2, 4):
        assert _epoch(ds, workers=3, start=start) == full[start:]


def test_worker_count_is_checked(cifar_shards):
    ds = _dataset(cifar_shards, workers=2)
    with pytest.raises(ValueError, match='num_workers'):
        next(iter(DataLoader(ds, batch_size=BATCH, num_workers=0)))


def _jpeg(value: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(buf, format='JPEG')
    return buf.getvalue()


def test_corrupt_member_is_skipped_counted_and_replaced(tmp_path):
    from webdataset import TarWriter
    with open(tmp_path / 'a.tar', 'wb') as f, TarWriter(f, encoder=False) as tar:
        for i in range(6):
            data = b'not a jpeg' if i == 3 else _jpeg(40 * i)
            tar.write({'__key__': f'{i:03d}', 'jpg': data})
    (tmp_path / 'manifest.json').write_text(json.dumps(dict(
        format='mmswav-shards-v1', num_samples=6,
        shards=[dict(file='a.tar', num_samples=6, sha256='')])))
    ds = WebDatasetShards(str(tmp_path / 'manifest.json'), batch_size=2, shuffle=False,
                          channel_order='rgb')
    samples = list(ds)
    assert ds.num_skipped == 1
    assert [s['sample_idx'] for s in samples] == [0, 1, 2, 2, 4, 5]  # 3 -> the previous
    assert [int(s['img'][0, 0, 0]) for s in samples[4:]] == pytest.approx([160, 200], abs=3)


def test_converter_manifest_skips_and_refuses_overwrite(tmp_path, capsys):
    from tests.conftest import make_image_folder
    src = make_image_folder(tmp_path / 'folder', num_classes=2, per_class=5, size=16)
    (src / 'class1' / 'broken.jpg').write_bytes(b'\xff\xd8 truncated')
    manifest = images2shards.main([str(src), str(tmp_path / 'out'), '--shard-size', '4',
                                   '--workers', '2'])
    assert [s['num_samples'] for s in manifest['shards']] == [4, 4, 2]
    assert manifest['classes'] == ['class0', 'class1']
    assert [Path(s['path']).name for s in manifest['skipped']] == ['broken.jpg']
    assert 'broken.jpg' in capsys.readouterr().out
    for shard in manifest['shards']:
        data = (tmp_path / 'out' / shard['file']).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard['sha256']
    ds = WebDatasetShards(str(tmp_path / 'out' / 'manifest.json'), with_label=True,
                          shuffle=False)
    assert [s['gt_label'] for s in ds][:10] == [0] * 5 + [1] * 5
    with pytest.raises(FileExistsError, match='refusing to overwrite'):
        images2shards.main([str(src), str(tmp_path / 'out')])


QUICKSTART = REPO / 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'
QUICKSTART_SHARDS = QUICKSTART.with_name(QUICKSTART.stem + '-shards.py')


def test_shard_quickstart_is_the_quickstart():
    from mmengine.config import Config
    folder, shards = Config.fromfile(str(QUICKSTART)), Config.fromfile(str(QUICKSTART_SHARDS))
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg', 'custom_hooks'):
        assert folder[key] == shards[key], key
    views = [t for t in folder.train_dataloader.dataset.pipeline if t['type'] == 'MultiView']
    assert views == [t for t in shards.train_dataloader.dataset.pipeline
                     if t['type'] == 'MultiView']


def test_quickstart_trains_from_shards(cifar_shards, tmp_path):
    import subprocess
    work = tmp_path / 'work'
    out = subprocess.run(
        [sys.executable, 'tools/train.py', str(QUICKSTART_SHARDS), '--work-dir', str(work),
         '--cfg-options', f'train_dataloader.dataset.manifest={cifar_shards}',
         'train_dataloader.batch_size=50', 'train_dataloader.dataset.batch_size=50',
         'train_cfg.max_epochs=1', 'default_hooks.logger.interval=5'],
        cwd=REPO, capture_output=True, text=True, timeout=900,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'Epoch(train) [1][20/20]' in log  # 1,000 images / 50, the manifest's length
    assert (work / 'epoch_1.pth').is_file()
