# Copyright (c) mmswav contributors. All rights reserved.
"""The gallery of bad inputs: each is a logged, counted skip or a clear error naming the
file, and every odd-but-valid image loads as 3 channels with the right pixel values."""
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.datasets import CustomDataset
from PIL import Image

from mmswav.datasets.transforms import RobustLoadImageFromFile
from mmswav.registry import TRANSFORMS

REPO = Path(__file__).resolve().parents[2]


def jpeg_bytes(size=(24, 16), color=(200, 30, 60)) -> bytes:
    buf = io.BytesIO()
    Image.new('RGB', size, color).save(buf, format='JPEG', quality=95)
    return buf.getvalue()


def load(path, **kwargs):
    return RobustLoadImageFromFile(**kwargs)(dict(img_path=str(path), sample_idx=0))


# ---- unreadable files: skipped and counted by default, or a clear error ---------------
def _corrupt(path):  # a JPEG start marker followed by garbage
    path.write_bytes(b'\xff\xd8\xff\xe0' + bytes(range(256)) * 8)


def _truncated(path):
    data = jpeg_bytes((64, 64))
    path.write_bytes(data[:len(data) // 2])


def _zero_byte(path):
    path.write_bytes(b'')


def _not_an_image(path):
    path.write_text('this is a text file with an image extension\n')


@pytest.mark.parametrize('make', [_corrupt, _truncated, _zero_byte, _not_an_image],
                         ids=['corrupt_jpeg', 'truncated', 'zero_byte', 'non_image'])
def test_unreadable_file_skipped_counted_or_raised(tmp_path, make):
    path = tmp_path / 'bad.jpg'
    make(path)
    loader = RobustLoadImageFromFile()
    assert loader(dict(img_path=str(path), sample_idx=0)) is None
    assert loader.num_skipped == 1
    with pytest.raises(OSError, match=r'bad\.jpg.*skip_unreadable'):
        load(path, skip_unreadable=False)


def test_loader_can_be_deep_copied(tmp_path):
    import copy
    loader = RobustLoadImageFromFile(skip_unreadable=False, max_pixels=10)
    twin = copy.deepcopy(loader)
    assert (twin.skip_unreadable, twin.max_pixels) == (False, 10)
    assert twin._skipped is not loader._skipped


def test_truncated_noise_jpeg_is_not_silently_grey(tmp_path):
    """A JPEG cut after most of its scan data decodes with a grey bottom in lenient
    decoders; ours refuses it instead of training on it."""
    buf = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf, format='JPEG')
    path = tmp_path / 'cut.jpg'
    path.write_bytes(buf.getvalue()[:int(len(buf.getvalue()) * 0.8)])
    assert load(path) is None


def test_missing_file_listed_in_annotation_file(tmp_path):
    (tmp_path / 'ok.jpg').write_bytes(jpeg_bytes())
    (tmp_path / 'ann.txt').write_text('ok.jpg\nmissing.jpg\n')
    loader = dict(type='RobustLoadImageFromFile')
    dataset = CustomDataset(data_root=str(tmp_path), ann_file='ann.txt', with_label=False,
                            pipeline=[loader])
    transform = dataset.pipeline.transforms[0]
    assert len(dataset) == 2
    for _ in range(3):  # the missing file is replaced by a readable one
        assert Path(dataset[1]['img_path']).name == 'ok.jpg'
    assert transform.num_skipped >= 1
    with pytest.raises(OSError, match='missing.jpg'):
        load(tmp_path / 'missing.jpg', skip_unreadable=False)


def test_non_image_extension_is_not_listed(tmp_path):
    folder = tmp_path / 'imgs' / 'a'
    folder.mkdir(parents=True)
    (folder / 'x.jpg').write_bytes(jpeg_bytes())
    (folder / 'notes.txt').write_text('not an image')
    dataset = CustomDataset(data_root=str(tmp_path / 'imgs'), with_label=False, pipeline=[])
    assert [Path(d['img_path']).name for d in dataset] == ['x.jpg']


def test_empty_dataset_folder_clear_error(tmp_path):
    (tmp_path / 'empty' / 'class0').mkdir(parents=True)
    with pytest.raises(RuntimeError, match=r'Found 0 files.*empty'):
        CustomDataset(data_root=str(tmp_path / 'empty'), with_label=False, pipeline=[])


def test_too_many_pixels_is_a_counted_skip(tmp_path):
    path = tmp_path / 'big.png'
    Image.new('RGB', (100, 100)).save(path)
    assert load(path, max_pixels=100 * 99) is None
    with pytest.raises(OSError, match='max_pixels'):
        load(path, max_pixels=100 * 99, skip_unreadable=False)


# ---- odd but valid images: 3 channels, right values, BGR like mmcv ---------------------
@pytest.mark.parametrize('mode,make,rgb', [
    ('L', lambda: Image.new('L', (7, 5), 90), (90, 90, 90)),
    ('RGBA', lambda: Image.new('RGBA', (7, 5), (10, 20, 30, 0)), (10, 20, 30)),
    ('P', lambda: Image.new('RGB', (7, 5), (255, 0, 0)).convert('P'), (255, 0, 0)),
    ('CMYK', lambda: Image.new('CMYK', (7, 5), (0, 255, 255, 0)), (255, 0, 0)),
    ('I;16', lambda: Image.fromarray(np.full((5, 7), 257 * 100, np.uint16)), (100, 100, 100)),
])
def test_image_modes_load_as_3_channels(tmp_path, mode, make, rgb):
    img = make()
    assert img.mode.startswith(mode[0])
    path = tmp_path / ('x.jpg' if mode == 'CMYK' else 'x.png')
    img.save(path)
    if mode == 'I;16':  # really a 16-bit PNG on disk
        assert Image.open(path).mode in ('I;16', 'I')
    out = load(path)
    assert out['img'].shape == (5, 7, 3) and out['img'].dtype == np.uint8
    np.testing.assert_allclose(out['img'][2, 3][::-1], rgb, atol=3)  # BGR -> RGB
    np.testing.assert_allclose(load(path, channel_order='rgb')['img'][2, 3], rgb, atol=3)


def _multi_crop():
    crop = [dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.14, 1.),
                 backend='pillow')]
    return TRANSFORMS.build(dict(type='MultiView', num_views=[2], transforms=[crop]))


@pytest.mark.parametrize('size', [(5, 3), (4000, 3000)], ids=['smaller_than_crop', 'large'])
def test_small_and_large_images_give_crops(tmp_path, size):
    path = tmp_path / 'x.png'
    Image.new('RGB', size, (1, 2, 3)).save(path, compress_level=1)
    out = _multi_crop()(load(path))
    assert [v.shape for v in out['img']] == [(32, 32, 3)] * 2
    assert out['ori_shape'] == size[::-1]


# ---- counts reach the main process from dataloader workers; logged per epoch -----------
class _Indexed(torch.utils.data.Dataset):

    def __init__(self, paths, transform):
        self.paths, self.transform = paths, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.transform(dict(img_path=str(self.paths[i]), sample_idx=i)) is None


def test_skip_count_crosses_worker_processes(tmp_path):
    paths = []
    for i in range(6):
        paths.append(tmp_path / f'{i}.jpg')
        paths[-1].write_bytes(jpeg_bytes() if i % 3 else b'')  # 0 and 3 are empty
    transform = RobustLoadImageFromFile()
    loader = torch.utils.data.DataLoader(_Indexed(paths, transform), batch_size=2,
                                         num_workers=2, multiprocessing_context='fork')
    skipped_in_batches = int(sum(b.sum() for b in loader))
    assert skipped_in_batches == 2 and transform.num_skipped == 2


def test_runner_logs_skips_per_epoch(image_folder, tmp_path):
    (image_folder / 'class0' / 'broken.jpg').write_bytes(b'')
    cfg = Config.fromfile(REPO / 'tests/data/swav_tiny_cpu.py')
    cfg.work_dir = str(tmp_path / 'work')
    cfg.experiment_name = 'bad_inputs_runner'
    cfg.train_dataloader.dataset.data_root = str(image_folder)
    cfg.train_dataloader.update(batch_size=8, num_workers=1, persistent_workers=True)
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.custom_hooks = [dict(type='SwAVHook'), dict(type='SkippedImagesHook')]
    runner = Runner.from_cfg(cfg)
    runner.train()
    log = next((tmp_path / 'work').rglob('*.log')).read_text()
    assert 'skipped unreadable image' in log and 'broken.jpg' in log
    assert 'Epoch 1: 1 unreadable image(s) skipped' in log
    assert runner.message_hub.get_scalar('train/skipped_images').current() == 1
