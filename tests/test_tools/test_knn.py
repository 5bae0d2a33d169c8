# Copyright (c) mmswav contributors. All rights reserved.
"""Weighted kNN against scikit-learn's neighbours, by hand, and the kNN tool end to end."""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.neighbors import KNeighborsClassifier

from mmswav.evaluation import knn_accuracy, knn_predict

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'


def sklearn_scores(train, labels, test, k, temperature):
    """Class probabilities of scikit-learn's brute-force cosine kNN with the same weights:
    cosine distance d = 1 - cos, weight exp(cos / T) = exp((1 - d) / T)."""
    clf = KNeighborsClassifier(n_neighbors=k, metric='cosine', algorithm='brute',
                               weights=lambda d: np.exp((1.0 - d) / temperature))
    clf.fit(train, labels)
    return clf.predict_proba(test)


@pytest.mark.parametrize('k', [1, 5, 20])
@pytest.mark.parametrize('temperature', [0.07, 0.5])
def test_knn_matches_sklearn(k, temperature):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 8))
    labels = rng.integers(0, 3, 60)
    train = centers[labels] + rng.normal(scale=1.5, size=(60, 8))
    test_labels = rng.integers(0, 3, 25)
    test = centers[test_labels] + rng.normal(scale=1.5, size=(25, 8))
    ours = knn_predict(torch.tensor(train), torch.tensor(labels), torch.tensor(test),
                       num_classes=3, k=k, temperature=temperature, chunk_size=7)
    ours = (ours / ours.sum(1, keepdim=True)).numpy()
    expected = sklearn_scores(train, labels, test, k, temperature)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6)
    acc = knn_accuracy(torch.tensor(train), torch.tensor(labels), torch.tensor(test),
                       torch.tensor(test_labels), ks=[k], temperature=temperature)
    assert acc[f'top1_k{k}'] == pytest.approx(
        100 * np.mean(expected.argmax(1) == test_labels))


def test_knn_by_hand():
    # test (1, 0.2): cos to (1, 0) = 0.981, to (0, 1) = 0.196, to (-1, 0) = -0.981
    train = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    labels = torch.tensor([0, 1, 1])
    test = torch.tensor([[1.0, 0.2]])
    votes = knn_predict(train, labels, test, num_classes=2, k=3, temperature=1.0)
    cos = [1 / math.sqrt(1.04), 0.2 / math.sqrt(1.04), -1 / math.sqrt(1.04)]
    expected = [math.exp(cos[0]), math.exp(cos[1]) + math.exp(cos[2])]
    torch.testing.assert_close(votes[0], torch.tensor(expected), rtol=1e-5, atol=1e-6)
    # a sharp temperature lets the nearest neighbour win; k=2 drops (-1, 0)
    assert knn_predict(train, labels, test, 2, k=3, temperature=0.07).argmax() == 0
    votes = knn_predict(train, labels, test, 2, k=2, temperature=1.0)
    assert votes[0, 1].item() == pytest.approx(math.exp(cos[1]), rel=1e-5)


def test_knn_bad_input():
    with pytest.raises(ValueError, match='k=5'):
        knn_predict(torch.zeros(3, 2), torch.zeros(3), torch.zeros(1, 2), 2, k=5)
    with pytest.raises(ValueError, match='labels'):
        knn_predict(torch.zeros(3, 2), torch.zeros(2), torch.zeros(1, 2), 2, k=1)


def test_knn_tool_end_to_end(tmp_path, make_folder):
    """Random init vs a saved checkpoint on a tiny two-class ImageFolder; JSON written."""
    sys.path.insert(0, str(REPO / 'tools/benchmarks'))
    import knn as knn_tool
    root = tmp_path / 'data'
    make_folder(root / 'train', per_class=6, size=32)
    make_folder(root / 'test', per_class=3, size=32, seed=1)
    from mmengine.config import Config
    cfg = Config.fromfile(str(QUICKSTART))
    model = knn_tool.build_model(cfg, 'random', seed=3)
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.01)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    loaded = knn_tool.build_model(cfg, str(ckpt), seed=0)
    torch.testing.assert_close(loaded.backbone.conv1.weight, model.backbone.conv1.weight)

    out = tmp_path / 'knn.json'
    result = knn_tool.main([str(QUICKSTART), '--checkpoints', 'random', str(ckpt),
                            '--data-root', str(root), '--ks', '1', '3', '--num-workers', '0',
                            '--batch-size', '4', '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(result))
    assert [r['model'] for r in saved['rows']] == ['random', str(ckpt)]
    assert saved['num_train'] == 12 and saved['num_test'] == 6
    for row in saved['rows']:
        for k in ('top1_k1', 'top1_k3'):
            assert row[k] * 6 / 100 == pytest.approx(round(row[k] * 6 / 100))  # n/6 correct
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        knn_tool.build_model(cfg, str(tmp_path / 'missing.pth'), seed=0)


@pytest.fixture
def make_folder():
    from tests.conftest import make_image_folder
    return make_image_folder
