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


def gap_features(model, folder: Path):
    """Labels and GAP features of the last stage of mmpretrain's ResNet (the model's own
    backbone forward) on the JPEGs of ``folder/<class>/*``, read with PIL here."""
    from PIL import Image
    paths = sorted(folder.glob('*/*.jpg'))
    classes = sorted({p.parent.name for p in paths})
    images = torch.stack([torch.from_numpy(np.array(Image.open(p).convert('RGB'))).permute(
        2, 0, 1) for p in paths]).float()  # [N, 3, H, W], RGB
    mean = torch.tensor(model.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(model.data_preprocessor.std).view(1, 3, 1, 1)
    model.eval()
    with torch.no_grad():
        feats = model.backbone((images - mean) / std)[-1].mean(dim=(2, 3))  # [N, C]
    return feats.numpy(), np.array([classes.index(p.parent.name) for p in paths])


def sklearn_top1(model, root: Path, k: int) -> float:
    train, train_labels = gap_features(model, root / 'train')
    test, test_labels = gap_features(model, root / 'test')
    pred = sklearn_scores(train, train_labels, test, k, 0.07).argmax(1)
    return 100 * np.mean(pred == test_labels)


def check_rows(rows: list, models: dict, root: Path) -> None:
    """Every row's top-1 is scikit-learn's on that row's model's features (strictly between
    0 and 100), and the two models score differently: a tool that evaluated one model for
    every ``--checkpoints`` entry would fail."""
    expected = {name: {f'top1_k{k}': sklearn_top1(model, root, k) for k in (1, 3)}
                for name, model in models.items()}
    assert all(0 < v < 100 for e in expected.values() for v in e.values()), expected
    assert len({tuple(e.values()) for e in expected.values()}) == len(models), expected
    for row in rows:
        for key, value in expected[row['model']].items():
            assert row[key] == pytest.approx(value), (row['model'], key)


@pytest.fixture
def knn_run(tmp_path, make_folder):
    """A 3-class weakly coloured ImageFolder (the kNN errs), the quick-start model at random
    init (seed 0) and a checkpoint of another initialisation (seed 3)."""
    sys.path.insert(0, str(REPO / 'tools/benchmarks'))
    import knn as knn_tool
    root = tmp_path / 'data'
    make_folder(root / 'train', num_classes=3, per_class=8, size=32, bias=15)
    make_folder(root / 'test', num_classes=3, per_class=4, size=32, seed=1, bias=15)
    from mmengine.config import Config
    cfg = Config.fromfile(str(QUICKSTART))
    models = {'random': knn_tool.build_model(cfg, 'random', seed=0)}
    other = knn_tool.build_model(cfg, 'random', seed=3)
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=other.state_dict()), ckpt)
    from mmswav.registry import MODELS
    models[str(ckpt)] = MODELS.build(cfg.model)  # loaded here, not by the tool
    models[str(ckpt)].load_state_dict(torch.load(ckpt, weights_only=True)['state_dict'])
    argv = [str(QUICKSTART), '--checkpoints', 'random', str(ckpt), '--data-root', str(root),
            '--ks', '1', '3', '--num-workers', '0', '--batch-size', '4',
            '--out', str(tmp_path / 'knn.json')]
    return knn_tool, cfg, models, root, argv


def test_knn_tool_end_to_end(knn_run, tmp_path):
    """Random init vs a saved checkpoint; JSON written; top-1 as scikit-learn's."""
    knn_tool, cfg, models, root, argv = knn_run
    result = knn_tool.main(argv)
    saved = json.loads((tmp_path / 'knn.json').read_text())
    assert saved == json.loads(json.dumps(result))
    assert [r['model'] for r in saved['rows']] == list(models)
    assert saved['num_train'] == 24 and saved['num_test'] == 12
    check_rows(saved['rows'], models, root)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        knn_tool.build_model(cfg, str(tmp_path / 'missing.pth'), seed=0)


def test_knn_tool_check_fails_when_checkpoints_are_ignored(knn_run, monkeypatch):
    """Sabotage: a tool that builds the random model for every ``--checkpoints`` entry (the
    old check, each top-1 a multiple of 1/6, let it through) fails the check."""
    knn_tool, _, models, root, argv = knn_run
    build = knn_tool.build_model
    monkeypatch.setattr(knn_tool, 'build_model', lambda cfg, ckpt, seed: build(
        cfg, 'random', seed))
    rows = knn_tool.main(argv)['rows']
    with pytest.raises(AssertionError):
        check_rows(rows, models, root)


@pytest.fixture
def make_folder():
    from tests.conftest import make_image_folder
    return make_image_folder
