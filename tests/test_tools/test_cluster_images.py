# Copyright (c) mmswav contributors. All rights reserved.
"""tools/analysis_tools/cluster_images.py through its command line, against computations
made here independently: the argmax cluster of every image from the features computed by
hand, the balanced assignment from the reference Sinkhorn, neighbours from a brute-force
numpy search, planted duplicate pairs, the pseudo-label list read back by the datasets, and
the page opened in headless Chromium."""
import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.test_models.reference import reference_sinkhorn
from tests.test_tools.analysis_cli import (
    CONFIG,
    OPTIONS,
    K,
    browser_check,
    by_hand,
    planted_folder,
    run,
    spread_checkpoint,
    tiny_model,
)

TOOL = 'tools/analysis_tools/cluster_images.py'
THRESHOLD = 0.998


@pytest.fixture(scope='module')
def analysed(tmp_path_factory):
    """A planted folder, a checkpoint, the tool's output and the features by hand."""
    tmp = tmp_path_factory.mktemp('clusters')
    images = planted_folder(tmp / 'photos')
    model = tiny_model()
    ckpt = spread_checkpoint(model, list(images.values())[:K], tmp / 'tiny.pth')
    out = tmp / 'out'
    printed = run(TOOL, CONFIG, ckpt, '--data', tmp / 'photos', '--out', out, '--num-workers',
                  0, '--neighbours', 4, '--dup-threshold', THRESHOLD, '--links',
                  '--page-clusters', 2, '--page-images', 3, '--num-queries', 2, *OPTIONS)
    feats, scores = by_hand(model, list(images.values()))
    rows = list(csv.DictReader(open(out / 'assignments.csv')))
    order = [r['path'] for r in rows]
    index = [list(images).index(p) for p in order]  # the tool's rows -> our arrays
    return dict(tmp=tmp, out=out, rows=rows, order=order, feats=feats[index],
                scores=scores[index], printed=printed.stdout, model=model,
                doc=json.loads((out / 'clusters.json').read_text()))


def test_argmax_clusters_equal_the_independent_argmax(analysed):
    rows, scores = analysed['rows'], analysed['scores']
    assert len(rows) == len(set(analysed['order'])) == 18
    top2 = scores.topk(2, dim=1)
    assert (top2.values[:, 0] - top2.values[:, 1]).min() > 1e-4  # no near-ties
    assert [int(r['cluster']) for r in rows] == top2.indices[:, 0].tolist()
    assert [int(r['runner_up']) for r in rows] == top2.indices[:, 1].tolist()
    np.testing.assert_allclose([float(r['score']) for r in rows], top2.values[:, 0],
                               atol=1e-4)
    doc = analysed['doc']['assignments']['argmax']
    counts = np.bincount(top2.indices[:, 0].numpy(), minlength=K)
    assert doc['num_clusters'] == (counts > 0).sum() > 2  # spread, not collapsed
    assert [c['size'] for c in doc['clusters']] == sorted(counts[counts > 0], reverse=True)
    for cluster in doc['clusters']:  # members sorted by score, all of that cluster
        member_scores = [m['score'] for m in cluster['members']]
        assert member_scores == sorted(member_scores, reverse=True)
        assert {int(rows[analysed['order'].index(m['path'])]['cluster'])
                for m in cluster['members']} == {cluster['cluster']}
    assert analysed['doc']['prototypes']['unused'] == np.flatnonzero(counts == 0).tolist()


def test_balanced_assignment_is_the_reference_sinkhorn(analysed):
    epsilon = analysed['doc']['epsilon']
    assert epsilon == 0.01 and analysed['doc']['iterations'] == 3  # the config's loss
    codes = reference_sinkhorn(analysed['scores'], epsilon, 3)  # float64, official
    top2 = codes.topk(2, dim=1).values
    clear = (top2[:, 0] - top2[:, 1]) > 1e-3
    assert clear.sum() >= 12
    got = torch.tensor([int(r['balanced_cluster']) for r in analysed['rows']])
    assert torch.equal(got[clear], codes.argmax(dim=1)[clear])
    np.testing.assert_allclose([float(r['balanced_code']) for r in analysed['rows']],
                               codes.max(dim=1).values, atol=2e-3)
    balanced = analysed['doc']['assignments']['balanced']
    np.testing.assert_allclose(balanced['soft_mass'], codes.sum(dim=0), atol=2e-3)
    # more even than the argmax; with the loss's 3 iterations on 18 images only roughly
    argmax = analysed['doc']['assignments']['argmax']
    assert np.ptp(balanced['soft_mass']) < np.ptp(argmax['counts'])
    assert max(balanced['counts']) < max(argmax['counts'])
    # run to convergence, the marginals are uniform: every prototype gets N / K
    from mmswav.analysis.assign import balanced_assignment
    converged = balanced_assignment(analysed['scores'], epsilon, 200)
    np.testing.assert_allclose(converged['mass'], 18 / K, rtol=0.02)


def test_neighbours_equal_brute_force_and_duplicates_are_the_planted_pairs(analysed):
    unit = F.normalize(analysed['feats'].double(), dim=1).numpy()
    cosine = unit @ unit.T  # brute force, [N, N]
    order, k = analysed['order'], 4
    listed = {}
    for row in csv.DictReader(open(analysed['out'] / 'neighbours.csv')):
        listed.setdefault(row['path'], []).append((row['neighbour'], float(row['cosine'])))
    for i, path in enumerate(order):
        expected = np.sort(np.delete(cosine[i], i))[::-1][:k]
        got = listed[path]
        assert len(got) == k and path not in [p for p, _ in got]
        np.testing.assert_allclose([c for _, c in got], expected, atol=1e-4)
        for neighbour, value in got:  # each listed cosine is that pair's
            assert cosine[i, order.index(neighbour)] == pytest.approx(value, abs=1e-4)
    names = {tuple(sorted(Path(p).name for p in (d['a'], d['b'])))
             for d in analysed['doc']['duplicates']}
    assert names == {('00.png', 'copy_of_first.png'), ('01.png', 'near_second.jpg')}
    upper = cosine[np.triu_indices(len(order), 1)]
    assert (upper >= THRESHOLD).sum() == 2  # brute force: exactly the planted ones
    assert np.sort(upper)[-3] < THRESHOLD - 1e-3  # the distinct images stay clear of it


def test_pseudo_labels_and_links_read_back(analysed):
    from mmpretrain.datasets import CustomDataset

    from mmswav.datasets.unlabeled_images import UnlabeledImageDataset
    out, rows = analysed['out'], analysed['rows']
    dataset = CustomDataset(ann_file=str(out / 'pseudo_labels.txt'), data_prefix='',
                            with_label=True, pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [i['img_path'] for i in infos] == analysed['order']
    assert [i['gt_label'] for i in infos] == [int(r['cluster']) for r in rows]
    unlabeled = UnlabeledImageDataset(str(out / 'pseudo_labels_balanced.txt'))
    assert len(unlabeled) == 18
    for row in rows:
        links = list((out / 'links' / 'argmax' / f'cluster_{int(row["cluster"]):05d}')
                     .glob(f'*_{Path(row["path"]).name}'))
        assert [Path(p).resolve() for p in links] == [Path(row['path']).resolve()]


def test_page_opens_in_chromium_with_every_thumbnail(analysed):
    out, doc = analysed['out'], analysed['doc']
    seen = browser_check(out / 'report.html')
    assert seen['broken'] == [] and seen['images'] > 6
    assert int(seen['clusters']) == doc['assignments']['argmax']['num_clusters']
    assert seen['shown'] == 2  # --page-clusters
    thumbs = sorted(p.name for p in (out / 'thumbs').iterdir())
    assert 0 < len(thumbs) < 18 == doc['num_images']  # made only for what the page shows
    (out / 'thumbs' / thumbs[0]).unlink()  # the check sees a missing thumbnail
    assert browser_check(out / 'report.html')['broken'] == [f'thumbs/{thumbs[0]}']


def test_summary_counts_prototype_copies(analysed):
    from mmswav.analysis.assign import prototype_overlap
    printed = analysed['printed']
    assert 'images found: 18' in printed and 'unreadable (left out): 0' in printed
    assert 'near-duplicate pairs: 2' in printed
    weights = torch.randn(6, 4, generator=torch.Generator().manual_seed(0))
    weights[4] = weights[1] * 3 + 1e-3  # a near copy (cosine ~1), scaled
    weights[5] = weights[1] + 1e-3
    found = prototype_overlap(weights, torch.tensor([2, 0, 1, 0, 3, 0]), 0.99)
    assert sorted(p[:2] for p in found['near_copy_pairs']) == [[1, 4], [1, 5], [4, 5]]
    assert all(p[2] >= 0.99 for p in found['near_copy_pairs'])
    assert found['near_copy_groups'] == [[1, 4, 5]]
    assert found['unused'] == [1, 3, 5]
