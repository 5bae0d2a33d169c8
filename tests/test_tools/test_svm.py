# Copyright (c) mmswav contributors. All rights reserved.
"""VOC07 AP by hand, SVMs on separable toy data, and the SVM tool end to end."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mmswav.evaluation.features import POOL_SIZES
from mmswav.evaluation.svm import low_shot_samples, low_shot_svm, train_eval_svm, voc07_ap
from mmswav.evaluation.voc07 import voc_labels
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


def write_voc(root: Path, per_class: int = 6, bias: int = 80) -> Path:
    """A 2-class VOC2007-style folder of colour-biased images (class = colour); the first 4
    images of a class are trainval, the others test."""
    make_image_folder(root / 'src', num_classes=2, per_class=per_class, size=40, bias=bias)
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


def resnet_features(paths: list, crop: int, pool_sizes=POOL_SIZES) -> dict:
    """feature1..feature5 of the quick-start model at random init (seed 0) computed here:
    PIL images centre-cropped to ``crop`` (0: none), the model's mean / std, mmpretrain's
    ResNet forward (hooks catch its stem map, the input of ``layer1``, and the stage outputs),
    each map average-pooled to ``pool_sizes``."""
    import torch
    import torch.nn.functional as F
    from mmengine.config import Config
    from PIL import Image

    from mmswav.evaluation.frozen_model import build_frozen_model
    model = build_frozen_model(Config.fromfile(str(QUICKSTART)), 'random', seed=0).eval()
    arrays = [np.array(Image.open(path).convert('RGB')) for path in paths]
    if crop:
        top, left = ((a - crop) // 2 for a in arrays[0].shape[:2])
        arrays = [a[top:top + crop, left:left + crop] for a in arrays]
    images = torch.stack([torch.from_numpy(a).permute(2, 0, 1) for a in arrays]).float()
    mean = torch.tensor(model.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(model.data_preprocessor.std).view(1, 3, 1, 1)
    maps = []  # the stem map (layer1's input), then every stage's output
    model.backbone.layer1.register_forward_pre_hook(lambda m, args: maps.append(args[0]))
    for name in ('layer1', 'layer2', 'layer3', 'layer4'):
        getattr(model.backbone, name).register_forward_hook(lambda m, a, out: maps.append(out))
    with torch.no_grad():
        model.backbone((images - mean) / std)  # [N, 3, crop, crop]
    return {f'feature{i + 1}': F.adaptive_avg_pool2d(m, size).flatten(1).numpy()
            for i, (m, size) in enumerate(zip(maps, pool_sizes))}


def voc_features(root: Path, split: str) -> dict:
    """:func:`resnet_features` of a VOC split's 40 px images, centre-cropped to 32."""
    ids = (root / 'ImageSets' / 'Main' / f'{split}.txt').read_text().split()
    return resnet_features([root / 'JPEGImages' / f'{i}.jpg' for i in ids], crop=32)


def check_svm_rows(rows: list, root: Path) -> None:
    """Each layer's mAP is that of :func:`train_eval_svm` (checked by hand above) on features
    computed independently here, strictly between 0 and 100 on this data."""
    _, train_labels = voc_labels(str(root), 'trainval', ('cat', 'dog'))
    _, test_labels = voc_labels(str(root), 'test', ('cat', 'dog'))
    train, test = voc_features(root, 'trainval'), voc_features(root, 'test')
    for row in rows:
        expected = train_eval_svm(train[row['layer']], train_labels, test[row['layer']],
                                  test_labels, costs=(0.1, 1.0))['mAP']
        assert 0 < expected < 100, (row['layer'], expected)
        assert row['mAP'] == pytest.approx(expected, abs=1e-6), row['layer']


def svm_argv(root: Path, out: Path) -> list:
    return [str(QUICKSTART), '--data-root', str(root), '--classes', 'cat', 'dog', '--layers',
            'feature1', 'feature5', '--costs', '0.1', '1', '--resize', '40', '--crop', '32',
            '--low-shot', '--low-shot-ks', '1', '2', '--low-shot-runs', '2',
            '--num-workers', '0', '--out', str(out)]


def svm_tool_and_data(tmp_path):
    """The tool, and 2 classes of weakly coloured images (bias 6: every layer errs)."""
    sys.path.insert(0, str(REPO / 'tools/benchmarks'))
    import svm as svm_tool
    return svm_tool, write_voc(tmp_path / 'VOC2007', per_class=12, bias=6)


def test_svm_tool_check_fails_on_stage1_as_feature1(tmp_path, monkeypatch):
    """Sabotage: the tool's feature1 taken from stage 1 (same 16 x 12 x 12 size, a mAP in
    range, which the old ``0 <= mAP <= 100`` check let through) fails the check."""
    svm_tool, root = svm_tool_and_data(tmp_path)
    from mmswav.evaluation import features
    maps = features.resnet_maps
    monkeypatch.setattr(features, 'resnet_maps', lambda b, x: (maps(b, x)[1], ) + maps(b, x)[1:])
    rows = svm_tool.main(svm_argv(root, tmp_path / 'svm.json'))['rows']
    with pytest.raises(AssertionError, match='feature1'):
        check_svm_rows(rows, root)


def test_svm_tool_end_to_end(tmp_path):
    svm_tool, root = svm_tool_and_data(tmp_path)
    ids, labels = svm_tool.voc_labels(str(root), 'trainval', ('cat', 'dog'))
    assert len(ids) == 8 and (labels == 1).sum(0).tolist() == [4, 4]
    out = tmp_path / 'svm.json'
    result = svm_tool.main(svm_argv(root, out))
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(result))
    assert [r['layer'] for r in saved['rows']] == ['feature1', 'feature5']
    # the quick start's ResNet-18 (CIFAR stem, no max-pool, width 16): feature1 = the stem's
    # 16 channels pooled to 12 x 12; feature5 = the last stage's 128 channels pooled to 2 x 2
    assert [r['dim'] for r in saved['rows']] == [16 * 144, 128 * 4]
    assert saved['best_layer'] in ('feature1', 'feature5')
    assert set(saved['low_shot']) == {'layer', 'k1', 'k2'}
    check_svm_rows(saved['rows'], root)
    with pytest.raises(FileNotFoundError, match='ImageSets'):
        svm_tool.voc_labels(str(tmp_path), 'trainval')
