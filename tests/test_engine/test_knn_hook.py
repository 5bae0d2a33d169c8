# Copyright (c) mmswav contributors. All rights reserved.
"""KNNHook in a real Runner: its logged top-1 equals scikit-learn's kNN on the features of
the model's own ``predict`` mode."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from sklearn.neighbors import KNeighborsClassifier

from mmswav.engine import KNNHook
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'tests/data/swav_tiny_cpu.py'


def predict_features(model, folder: Path):
    """Features and labels through ``SwAV.predict`` (independent of the hook's path)."""
    from mmengine.dataset import default_collate

    from mmswav.evaluation import build_eval_dataset
    dataset = build_eval_dataset(str(folder.parent), folder.name)
    batch = default_collate([dataset[i] for i in range(len(dataset))])
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        samples = model(data['inputs'], data['data_samples'], mode='predict')
    feats = torch.stack([s.feature for s in samples]).numpy()
    labels = np.array([int(s.gt_label[0]) for s in samples])
    return feats, labels


def test_knn_hook_logs_sklearn_top1(tmp_path):
    root = tmp_path / 'data'
    make_image_folder(root / 'train', num_classes=3, per_class=6)
    make_image_folder(root / 'test', num_classes=3, per_class=3, seed=1)
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.data_root = str(root / 'train')
    cfg.train_cfg.max_epochs = 2
    cfg.custom_hooks = cfg.get('custom_hooks', []) + [
        dict(type='KNNHook', data_root=str(root), interval=2, ks=(1, 5), batch_size=5)]
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, KNNHook))
    assert set(hook.last) == {'top1_k1', 'top1_k5'}

    train, train_labels = predict_features(runner.model, root / 'train')
    test, test_labels = predict_features(runner.model, root / 'test')
    for k in (1, 5):
        clf = KNeighborsClassifier(n_neighbors=k, metric='cosine', algorithm='brute',
                                   weights=lambda d: np.exp((1.0 - d) / 0.07))
        expected = 100 * np.mean(clf.fit(train, train_labels).predict(test) == test_labels)
        assert hook.last[f'top1_k{k}'] == pytest.approx(expected)
        logged = runner.message_hub.get_scalar(f'knn/top1_k{k}').current()
        assert logged == pytest.approx(expected)


def test_knn_hook_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing'):
        KNNHook(data_root=str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='interval'):
        KNNHook(data_root=str(tmp_path), interval=0)
