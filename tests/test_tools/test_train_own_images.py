# Copyright (c) mmswav contributors. All rights reserved.
"""``tools/train.py --data PATH`` (own unlabelled images, any layout) and the command-line
mistakes that must never pass silently, each through the real command line."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mmswav.datasets.unlabeled_images import UnlabeledImageDataset
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / 'configs/swav' / (
    'swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py')
R50 = REPO / 'configs/swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py'
LINEAR = (REPO / 'configs/benchmarks/classification/cifar10'
          / 'resnet18_linear-1xb256-coslr-20e_cifar10.py')


def train(*argv, cwd=REPO, timeout=300) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, str(REPO / 'tools/train.py'), *map(str, argv)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def write_images(folder: Path, names, size=36):
    rng = np.random.default_rng(len(names))
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / name)


def paths(dataset):
    return [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]


def test_unlabeled_dataset_any_layout_and_list(tmp_path):
    names = ['a.jpg', 'sub/b.png', 'sub/deeper/c.JPEG', 'class0/d.jpg', '.hidden/e.jpg']
    write_images(tmp_path / 'imgs', names)
    (tmp_path / 'imgs' / 'notes.txt').write_text('not an image')
    found = [Path(d).relative_to(tmp_path / 'imgs').as_posix()
             for d in paths(UnlabeledImageDataset(str(tmp_path / 'imgs')))]
    assert sorted(found) == sorted(names[:4])  # recursive, no hidden folder, no .txt
    listing = tmp_path / 'imgs' / 'list.txt'
    listing.write_text('# my images\na.jpg 3\n\nsub/b.png\n')
    found = paths(UnlabeledImageDataset(str(listing)))
    assert found == [str(tmp_path / 'imgs' / 'a.jpg'), str(tmp_path / 'imgs' / 'sub/b.png')]
    with pytest.raises(ValueError, match=r'no image under .*empty'):
        (tmp_path / 'empty').mkdir()
        UnlabeledImageDataset(str(tmp_path / 'empty'))


def test_data_switch_trains_on_a_nested_folder_and_summarises(tmp_path):
    write_images(tmp_path / 'own', [f'trip{i % 3}/day{i % 2}/img{i}.jpg' for i in range(10)])
    (tmp_path / 'own' / 'broken.jpg').write_bytes(b'not a jpeg')
    out = train(QUICKSTART, '--data', tmp_path / 'own', '--work-dir', tmp_path / 'w',
                '--cfg-options', 'train_dataloader.batch_size=4', 'train_cfg.max_epochs=1',
                'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False')
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert f'--data: training on the images under {tmp_path / "own"}' in log
    assert 'Epoch(train) [1][2/2]' in log  # 11 files -> 2 batches of 4
    assert (tmp_path / 'w' / 'epoch_1.pth').is_file()
    assert 'Training finished: 2 iterations, 1 epoch(s)' in log
    assert f'Last checkpoint: {tmp_path / "w" / "epoch_1.pth"}' in log
    assert 'tools/benchmarks/knn.py' in log and 'extract_backbone_weights.py' in log
    # unlabelled --data has no train/ and test/: the kNN command asks for a labelled folder
    assert '--data-root <labelled ImageFolder with train/ and test/>' in log
    assert 'selfsup2mmdet.py' not in log  # a CIFAR-stem width-16 ResNet cannot go to mmdet


def test_published_recipe_on_cpu_with_sync_bn_to_bn_only(tmp_path):
    """ResNet-50, 2 x 224 + 6 x 96, batch 2, AMP config: --sync-bn-to-bn alone runs it."""
    if torch.cuda.is_available():
        pytest.skip('the AMP fallback is for CPU-only machines')
    make_image_folder(tmp_path / 'imgs', num_classes=1, per_class=4, size=112)
    out = train(R50, '--sync-bn-to-bn', '--data', tmp_path / 'imgs', '--work-dir',
                tmp_path / 'w', '--cfg-options', 'train_dataloader.batch_size=2',
                'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
                'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1')
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'AmpOptimWrapper (fp16 + loss scaling) -> AutocastOptimWrapper' in log
    assert 'Epoch(train) [1][2/2]' in log
    ckpt = torch.load(tmp_path / 'w' / 'epoch_1.pth', map_location='cpu', weights_only=False)
    assert ckpt['state_dict']['head.prototypes.weight'].shape == (3000, 128)
    assert ckpt['state_dict']['backbone.layer4.2.conv3.weight'].shape == (2048, 512, 1, 1)


@pytest.mark.parametrize('case', ['too_few', 'data_root_option', 'typo', 'outside_repo',
                                  'linear_no_checkpoint', 'missing_data'])
def test_command_line_mistakes_are_named(tmp_path, case):
    make_image_folder(tmp_path / 'few', num_classes=1, per_class=3)
    cwd, argv = REPO, [QUICKSTART, '--work-dir', tmp_path / 'w']
    expected = {
        'too_few': r'3 training image\(s\), fewer than the batch size 128 .*'
                   r'train_dataloader.batch_size=N \(N <= 3\)',
        'data_root_option': r'--cfg-options data_root=\.\.\. would change nothing.*--data PATH',
        'typo': r"SwAVHead has no argument 'num_prototype'; did you mean "
                r'model.head.num_prototypes\?',
        'outside_repo': r"training data 'data/cifar10-jpg/' does not exist.*"
                        r'train_dataloader.dataset.data_root=PATH; it is relative to the '
                        r'directory you run from',
        'linear_no_checkpoint': r'model.backbone.init_cfg.checkpoint is not set.*--cfg-options '
                                r'model.backbone.init_cfg.checkpoint=',
        'missing_data': r'--data .*nowhere: no such folder or file list',
    }[case]
    if case == 'too_few':
        argv += ['--data', tmp_path / 'few']
    elif case == 'data_root_option':
        argv += ['--cfg-options', f'data_root={tmp_path / "few"}']
    elif case == 'typo':
        argv += ['--data', tmp_path / 'few', '--cfg-options', 'model.head.num_prototype=10']
    elif case == 'outside_repo':
        cwd = tmp_path
    elif case == 'linear_no_checkpoint':
        argv = [LINEAR, '--work-dir', tmp_path / 'w']
    else:
        argv += ['--data', tmp_path / 'nowhere']
    out = train(*argv, cwd=cwd)
    assert out.returncode != 0
    message = out.stderr.strip().splitlines()[-1]
    assert message.startswith('error: ') and 'Traceback' not in out.stderr, out.stderr[-2000:]
    assert re.search(expected, message), message
    if case == 'outside_repo' and (REPO / 'data/cifar10-jpg').exists():
        assert f'run from {REPO}' in message
