# Copyright (c) mmswav contributors. All rights reserved.
"""The CIFAR-10 protocols of issue 12: the ImageFolder label split, the ImageFolder SVM mode
(against scikit-learn) and the driver's resumable report."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mmswav.evaluation import svm as voc_svm
from tests.conftest import make_image_folder

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'
sys.path.insert(0, str(REPO / 'tools/benchmarks'))


def fake_image_folder(root: Path, counts: dict) -> Path:
    """Empty ``<class>/<i>.jpg`` files (the split reads names only) plus a non-image."""
    for name, n in counts.items():
        (root / name).mkdir(parents=True)
        for i in range(n):
            (root / name / f'{i:03d}.jpg').touch()
        (root / name / 'notes.txt').touch()
    return root


def read_list(path: Path):
    return [(line.rsplit(maxsplit=1)[0], int(line.rsplit(maxsplit=1)[1]))
            for line in path.read_text().splitlines()]


def test_imagefolder_split_balanced_seeded(tmp_path):
    import semi_supervised_split as split
    # created in non-sorted order: the class index is the rank of the sorted folder name
    train = fake_image_folder(tmp_path / 'data' / 'train', {'zebra': 30, 'ant': 20, 'moose': 50})
    written = split.main([str(train), '--percent', '1', '10'])
    meta = tmp_path / 'data' / 'meta'  # default: next to the folder, as <data_root>/meta
    assert sorted(written) == ['train_10percent.txt', 'train_1percent.txt']
    ten, one = read_list(meta / 'train_10percent.txt'), read_list(meta / 'train_1percent.txt')
    index = {'ant': 0, 'moose': 1, 'zebra': 2}
    for items in (ten, one):
        assert len({p for p, _ in items}) == len(items)  # no duplicates
        for path, label in items:  # every entry is an image of its own class folder
            assert (train / path).is_file() and path.endswith('.jpg')
            assert label == index[path.split('/')[0]]
    # round(n * 10 %): ant 2, moose 5, zebra 3; 1 %: at least one image per class
    assert [sum(lab == c for _, lab in ten) for c in range(3)] == [2, 5, 3]
    assert [sum(lab == c for _, lab in one) for c in range(3)] == [1, 1, 1]
    assert set(one) <= set(ten)  # same seeded permutation: 1 % is inside 10 %
    # deterministic for a seed, different for another
    again = split.main([str(train), '--percent', '10', '--out-dir', str(tmp_path / 'again')])
    assert read_list(Path(again['train_10percent.txt'])) == ten
    other = split.main([str(train), '--percent', '10', '--seed', '1', '--out-dir',
                        str(tmp_path / 'other')])
    assert read_list(Path(other['train_10percent.txt'])) != ten
    # mmpretrain's CustomDataset reads the list as the semi-supervised configs do
    from mmpretrain.datasets import CustomDataset
    dataset = CustomDataset(data_root=str(tmp_path / 'data'), data_prefix='train',
                            ann_file='meta/train_10percent.txt', pipeline=[])
    assert [dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))] == [
        lab for _, lab in ten]
    with pytest.raises(FileNotFoundError, match='ImageFolder'):
        split.main([str(tmp_path / 'missing')])


def voc07_ap_sklearn(scores, positive):
    """VOC07 11-point AP from scikit-learn's precision-recall curve."""
    from sklearn.metrics import precision_recall_curve
    precision, recall, _ = precision_recall_curve(positive, scores)
    return np.mean([precision[recall >= t].max() for t in np.arange(0, 1.1, 0.1)])


def test_imagefolder_svm_matches_sklearn():
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 12))
    train_y, test_y = rng.integers(0, 4, 120), rng.integers(0, 4, 60)
    train = centres[train_y] + rng.normal(scale=1.0, size=(120, 12))
    test = centres[test_y] + rng.normal(scale=1.0, size=(60, 12))
    ours = voc_svm.train_eval_svm(train, voc_svm.one_vs_rest_labels(train_y, 4), test,
                                  voc_svm.one_vs_rest_labels(test_y, 4), costs=(0.5, ))
    # one-vs-rest LinearSVC (squared hinge, positives weighted 2) on L2-normalised rows
    ref = OneVsRestClassifier(LinearSVC(C=0.5, class_weight={1: 2, 0: 1}, max_iter=20000,
                                        tol=1e-8)).fit(normalize(train), train_y)
    scores = ref.decision_function(normalize(test))
    expected_map = 100 * np.mean([voc07_ap_sklearn(scores[:, c], test_y == c)
                                  for c in range(4)])
    assert ours['mAP'] == pytest.approx(expected_map, abs=0.05)
    assert ours['top1'] == pytest.approx(100 * (ref.predict(normalize(test)) == test_y).mean(),
                                         abs=100 / 60 + 1e-9)  # at most one tie flips
    assert 40 < ours['top1'] < 100  # separable enough to learn, noisy enough to err
    with pytest.raises(ValueError, match=r'\[0, 4\)'):
        voc_svm.one_vs_rest_labels(np.array([0, 4]), 4)


def test_svm_tool_imagefolder(tmp_path):
    import svm as svm_tool
    make_image_folder(tmp_path / 'data' / 'train', num_classes=2, per_class=8, size=32, bias=2)
    make_image_folder(tmp_path / 'data' / 'test', num_classes=2, per_class=4, size=32, seed=1,
                      bias=2)
    labels = np.repeat(np.arange(3), [5, 7, 9])
    idx = svm_tool.balanced_indices(labels, 9, seed=0)
    assert np.bincount(labels[idx]).tolist() == [3, 3, 3]
    np.testing.assert_array_equal(idx, svm_tool.balanced_indices(labels, 9, seed=0))
    out = tmp_path / 'svm.json'
    result = svm_tool.main([
        str(QUICKSTART), '--checkpoint', 'random', '--imagefolder', str(tmp_path / 'data'),
        '--train-subset', '6', '--layers', 'feature1', 'feature5', '--pool-sizes', '8', '8',
        '6', '4', '2', '--costs', '1', '--low-shot', '--low-shot-ks', '1', '2',
        '--low-shot-runs', '1', '--num-workers', '0', '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(result))
    assert (saved['num_train'], saved['num_test'], saved['classes']) == (6, 8, ['class0',
                                                                                'class1'])
    assert [r['dim'] for r in saved['rows']] == [16 * 8 * 8, 128 * 2 * 2]  # native 32 px
    # every row as train_eval_svm on features computed independently (tests/test_tools/
    # test_svm.py's resnet_features) of the tool's balanced subset, not saturated
    from tests.test_tools.test_svm import resnet_features
    paths = {split: sorted((tmp_path / 'data' / split).glob('*/*.jpg'))
             for split in ('train', 'test')}
    train_y = np.array([int(p.parent.name[-1]) for p in paths['train']])
    keep = svm_tool.balanced_indices(train_y, 6, seed=0)
    test_y = np.array([int(p.parent.name[-1]) for p in paths['test']])
    pools = (8, 8, 6, 4, 2)
    train = resnet_features([paths['train'][i] for i in keep], 0, pools)
    test = resnet_features(paths['test'], 0, pools)
    for row in saved['rows']:
        expected = voc_svm.train_eval_svm(
            train[row['layer']], voc_svm.one_vs_rest_labels(train_y[keep], 2),
            test[row['layer']], voc_svm.one_vs_rest_labels(test_y, 2), costs=(1.0, ))
        assert 0 < expected['mAP'] < 100 and 0 < expected['top1'] < 100, (row, expected)
        assert row['mAP'] == pytest.approx(expected['mAP'], abs=1e-6), row['layer']
        assert row['top1'] == pytest.approx(expected['top1'], abs=1e-6), row['layer']
    assert set(saved['low_shot']) == {'layer', 'k1', 'k2'}


def fake_part(part: str, init: str, value: float) -> dict:
    metrics = {'semi1': {'accuracy/top1': value}, 'semi10': {'accuracy/top1': value + 10},
               'mhead': {f'mhead/head{i}_top1': value + i for i in range(1, 6)},
               'svm': dict(best_layer='feature5', best_mAP=value, best_top1=value + 1,
                           layers={f'feature{i}': value - i for i in range(1, 6)},
                           low_shot=dict(layer='feature5', k1=value / 2, k96=value - 1),
                           num_train=100)}[part]
    return dict(metrics=metrics, minutes=1.5, machine={}, smoke=False)


def test_driver_skips_finished_parts_and_writes_the_table(tmp_path, monkeypatch):
    import cifar10_protocols as driver
    for init, value in (('random', 30.0), ('swav', 50.0)):
        for part in driver.PARTS:
            (tmp_path / init / part).mkdir(parents=True)
            (tmp_path / init / part / 'result.json').write_text(
                json.dumps(fake_part(part, init, value)))
    (tmp_path / 'splits').mkdir()
    (tmp_path / 'splits' / 'train_10percent.txt').touch()
    ckpt = tmp_path / 'swav.pth'
    ckpt.touch()
    monkeypatch.setattr(driver, 'run', lambda *a: pytest.fail(f'ran {a}: parts are done'))
    summary = driver.main([str(ckpt), str(tmp_path), '--svm-train-subset', '100'])
    assert summary['results']['semi10']['swav']['metrics']['accuracy/top1'] == 60.0
    table = (tmp_path / 'cifar10_protocols.md').read_text()
    assert '| semi-supervised, 1 % labels | top-1 | 30.00 | 50.00 | +20.00 | 1.5 / 1.5 |' in table
    assert '| low-shot SVM, 96 per class (best layer) | mAP | 29.00 | 49.00 | +20.00 |' in table
    assert '| multi-head linear, feature5 | top-1 | 35.00 | 55.00 | +20.00 |' in table
    assert json.loads((tmp_path / 'cifar10_protocols.json').read_text()) == summary
    assert (tmp_path / 'cifar10_protocols.png').stat().st_size > 1000  # the figure


def test_driver_reads_the_last_validation(tmp_path):
    import cifar10_protocols as driver
    for stamp, top1 in (('20240101_000000', 10.0), ('20240102_000000', 42.0)):
        vis = tmp_path / stamp / 'vis_data'
        vis.mkdir(parents=True)
        vis.joinpath('scalars.json').write_text(
            json.dumps({'loss': 1.0, 'step': 1}) + '\n' +
            json.dumps({'accuracy/top1': top1, 'step': 2}) + '\n')
    assert driver.last_metrics(str(tmp_path), 'accuracy/') == {'accuracy/top1': 42.0}
    with pytest.raises(RuntimeError, match='mhead/'):
        driver.last_metrics(str(tmp_path), 'mhead/')
