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
from mmswav.evaluation import knn as knn_module
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


KS, TEMPERATURE = (1, 5, 10), 0.01


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch with a KNNHook (k = 1, 5, 10; temperature 0.01) on 3 weakly coloured
    classes (bias 15: the kNN errs), and the scikit-learn inputs: the features of the model's
    own ``predict`` mode."""
    tmp = tmp_path_factory.mktemp('knn_hook')
    root = tmp / 'data'
    make_image_folder(root / 'train', num_classes=3, per_class=12, bias=15)
    make_image_folder(root / 'test', num_classes=3, per_class=6, seed=1, bias=15)
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp / 'work')
    cfg.train_dataloader.dataset.data_root = str(root / 'train')
    cfg.train_cfg.max_epochs = 1
    cfg.custom_hooks = cfg.get('custom_hooks', []) + [
        dict(type='KNNHook', data_root=str(root), interval=1, ks=KS, batch_size=8,
             temperature=TEMPERATURE)]
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, KNNHook))
    features = [predict_features(runner.model, root / split) for split in ('train', 'test')]
    return runner, hook, features


def check_top1(last: dict, features) -> None:
    """The hook's top-1 for every k equals scikit-learn's weighted cosine kNN, whose value
    is strictly between 0 and 100 on this data."""
    (train, train_labels), (test, test_labels) = features
    for k in KS:
        clf = KNeighborsClassifier(n_neighbors=k, metric='cosine', algorithm='brute',
                                   weights=lambda d: np.exp((1.0 - d) / TEMPERATURE))
        expected = 100 * np.mean(clf.fit(train, train_labels).predict(test) == test_labels)
        assert 0 < expected < 100, f'k={k}: saturated data ({expected})'
        assert last[f'top1_k{k}'] == pytest.approx(expected), f'k={k}'


def test_knn_hook_logs_sklearn_top1(trained):
    runner, hook, features = trained
    assert set(hook.last) == {f'top1_k{k}' for k in KS}
    check_top1(hook.last, features)
    logged = {f'top1_k{k}': runner.message_hub.get_scalar(f'knn/top1_k{k}').current()
              for k in KS}
    check_top1(logged, features)


def unweighted(votes):
    """``_votes`` with every neighbour's weight 1 (exp(0))."""
    return lambda sim, idx, labels, num_classes, temperature: votes(
        torch.zeros_like(sim), idx, labels, num_classes, 1.0)


@pytest.mark.parametrize('fault', ['temperature 0.07', 'uniform weights', 'test set as bank'])
def test_knn_hook_check_fails_on_a_wrong_hook(trained, monkeypatch, fault):
    """Sabotage: the hook evaluated again with the SwAV default temperature instead of its
    own, with unweighted votes, or with the test set as its bank; each fault passed the old
    test (100 % on its data), each fails the check here."""
    runner, hook, features = trained
    with monkeypatch.context() as patch:
        if fault == 'temperature 0.07':
            patch.setattr(hook, 'temperature', 0.07)
        elif fault == 'uniform weights':
            patch.setattr(knn_module, '_votes', unweighted(knn_module._votes))
        else:
            patch.setitem(hook.loaders, 'train', hook.loaders['test'])
        hook.after_train_epoch(runner)
    with pytest.raises(AssertionError):
        check_top1(hook.last, features)
    hook.after_train_epoch(runner)  # unpatched: the check passes again
    check_top1(hook.last, features)


def test_knn_hook_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing'):
        KNNHook(data_root=str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='interval'):
        KNNHook(data_root=str(tmp_path), interval=0)
