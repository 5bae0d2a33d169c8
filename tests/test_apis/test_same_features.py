# Copyright (c) mmswav contributors. All rights reserved.
"""``mmswav.apis.extract_features`` sees images at the model's training resolution (read from
its config) and gives the features ``tools/benchmarks/knn.py`` computes for the same model and
images; an unreadable image is named."""
import importlib.util
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmswav.apis import extract_features, get_model
from mmswav.evaluation.eval_pipeline import training_size
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / 'tests/data/swav_tiny_cpu.py'  # trained on 2 x 32 + 4 x 16 crops


def _knn_tool():
    spec = importlib.util.spec_from_file_location('mmswav_knn_tool',
                                                  REPO / 'tools/benchmarks/knn.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _knn_features(knn, cfg, ckpt, root, resize=0, crop=0):
    """What knn.py computes: its model, its evaluation dataset, its feature extractor."""
    model = knn.build_model(cfg, str(ckpt), seed=0)
    dataset = knn.build_eval_dataset(str(root), 'train', resize, crop)
    feats, _ = knn.extract_features_dist(model, dataset, batch_size=8, num_workers=0,
                                         progress=False)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    return feats['feature'], paths


def test_training_size_from_configs():
    assert training_size(Config.fromfile(str(TINY))) == 32
    assert training_size(Config.fromfile(str(
        REPO / 'configs/swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py'))) == 224
    assert training_size(Config.fromfile(str(REPO / 'configs/_base_/models/swav_resnet50.py'))) \
        is None


@pytest.mark.parametrize('image_size', [32, 40])
def test_api_features_equal_knn_tool(tmp_path, image_size):
    knn = _knn_tool()
    cfg = Config.fromfile(str(TINY))
    model = knn.build_model(cfg, 'random', seed=3)
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), ckpt)
    root = make_image_folder(tmp_path / 'data' / 'train', per_class=3, size=image_size).parent
    # 32 px images: knn.py's default (no resize); 40 px: knn.py --resize 32 --crop 32
    size = 0 if image_size == 32 else 32
    want, paths = _knn_features(knn, cfg, ckpt, root, resize=size, crop=size)
    api_model = get_model(str(TINY), str(ckpt))
    (got, ) = extract_features(api_model, paths)  # size from the config: 32
    assert got.shape == want.shape == (6, 512)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    (other, ) = extract_features(api_model, paths, size=64)  # an explicit size differs
    assert not torch.allclose(other, want, atol=1e-3)


def test_api_names_an_unreadable_image(tmp_path):
    model = get_model(str(TINY))
    bad = tmp_path / 'broken.jpg'
    bad.write_bytes(b'\xff\xd8 not really a jpeg')
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    for path in (bad, empty):
        with pytest.raises(ValueError, match=f'can not read an RGB image.*{path.name}'):
            extract_features(model, [str(path)])
