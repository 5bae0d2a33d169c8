# Copyright (c) mmswav contributors. All rights reserved.
"""VOC07 AP by hand, SVMs on separable toy data, and the SVM tool end to end."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mmswav.evaluation.svm import low_shot_samples, low_shot_svm, train_eval_svm, voc07_ap
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'


def test_voc07_ap_by_hand():
    # ranking TP, FP, TP, FP: precision 1 up to recall 0.5, then 2/3 up to recall 1
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    labels = np.array([1, -1, 1, -1])
    assert voc07_ap(scores, labels) == pytest.approx((6 * 1 + 5 * 2 / 3) / 11)
    # a "difficult" (0) sample is ignored wherever it ranks
    assert voc07_ap(np.append(scores, 1.0), np.append(labels, 0)) == pytest.approx(
        (6 + 5 * 2 / 3) / 11)
    assert voc07_ap(scores, np.array([1, 1, -1, -1])) == pytest.approx(1.0)


def toy(n_per_class: int, seed: int, noise: float = 0.1):
    """3 classes, multi-label in {1, -1}: one-hot directions plus noise (linearly separable)."""
    rng = np.random.default_rng(seed)
    labels = -np.ones((3 * n_per_class, 3), dtype=np.int64)
    feats = rng.normal(scale=noise, size=(3 * n_per_class, 16))
    for c in range(3):
        rows = slice(c * n_per_class, (c + 1) * n_per_class)
        labels[rows, c] = 1
        feats[rows, c] += 1.0
    return feats, labels


def test_svm_separable_and_random():
    train, train_labels = toy(20, seed=0)
    test, test_labels = toy(10, seed=1)
    res = train_eval_svm(train, train_labels, test, test_labels, costs=(0.01, 1.0))
    assert res['mAP'] == pytest.approx(100.0)
    assert len(res['class_ap']) == 3 and set(res['costs']) <= {0.01, 1.0}
    # shuffled training labels: no signal, clearly below 100
    rng = np.random.default_rng(2)
    shuffled = train_labels[rng.permutation(len(train_labels))]
    assert train_eval_svm(train, shuffled, test, test_labels, costs=(1.0, ))['mAP'] < 90


def test_low_shot():
    train, train_labels = toy(30, seed=0)
    test, test_labels = toy(10, seed=1)
    idx = low_shot_samples(train_labels, k=2, seed=0)
    assert (train_labels[idx] == 1).sum(0).tolist() == [2, 2, 2]
    np.testing.assert_array_equal(idx, low_shot_samples(train_labels, k=2, seed=0))
    res = low_shot_svm(train, train_labels, test, test_labels, ks=(1, 4), costs=(1.0, ),
                       num_runs=2)
    assert set(res) == {'k1', 'k4'} and res['k4'] == pytest.approx(100.0)


def write_voc(root: Path) -> Path:
    """A 2-class VOC2007-style folder of colour-biased images (class = colour)."""
    make_image_folder(root / 'src', num_classes=2, per_class=6, size=40)
    (root / 'JPEGImages').mkdir(parents=True)
    (root / 'Annotations').mkdir()
    (root / 'ImageSets' / 'Main').mkdir(parents=True)
    ids = {'trainval': [], 'test': []}
    for c, name in enumerate(('cat', 'dog')):
        for i, img in enumerate(sorted((root / 'src' / f'class{c}').glob('*.jpg'))):
            image_id = f'{c}{i:03d}'
            img.rename(root / 'JPEGImages' / f'{image_id}.jpg')
            (root / 'Annotations' / f'{image_id}.xml').write_text(
                f'<annotation><object><name>{name}</name><difficult>0</difficult>'
                '</object></annotation>')
            ids['trainval' if i < 4 else 'test'].append(image_id)
    for split, names in ids.items():
        (root / 'ImageSets' / 'Main' / f'{split}.txt').write_text('\n'.join(names) + '\n')
    return root


def test_svm_tool_end_to_end(tmp_path):
    sys.path.insert(0, str(REPO / 'tools/benchmarks'))
    import svm as svm_tool
    root = write_voc(tmp_path / 'VOC2007')
    ids, labels = svm_tool.voc_labels(str(root), 'trainval', ('cat', 'dog'))
    assert len(ids) == 8 and (labels == 1).sum(0).tolist() == [4, 4]
    out = tmp_path / 'svm.json'
    result = svm_tool.main([
        str(QUICKSTART), '--data-root', str(root), '--classes', 'cat', 'dog', '--layers',
        'feature1', 'feature5', '--costs', '0.1', '1', '--resize', '40', '--crop', '32',
        '--low-shot', '--low-shot-ks', '1', '2', '--low-shot-runs', '2', '--num-workers', '0',
        '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(result))
    assert [r['layer'] for r in saved['rows']] == ['feature1', 'feature5']
    # the quick start's ResNet-18 (CIFAR stem, no max-pool, width 16): feature1 = the stem's
    # 16 channels pooled to 12 x 12; feature5 = the last stage's 128 channels pooled to 2 x 2
    assert [r['dim'] for r in saved['rows']] == [16 * 144, 128 * 4]
    assert saved['best_layer'] in ('feature1', 'feature5')
    assert set(saved['low_shot']) == {'layer', 'k1', 'k2'}
    for row in saved['rows']:
        assert 0 <= row['mAP'] <= 100
    with pytest.raises(FileNotFoundError, match='ImageSets'):
        svm_tool.voc_labels(str(tmp_path), 'trainval')
