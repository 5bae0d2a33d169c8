# Copyright (c) mmswav contributors. All rights reserved.
"""Everything ``tools/analysis_tools/cluster_images.py`` writes, from one analysis."""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch

from . import outputs
from .clusters import cluster_page_rows, sample_queries
from .neighbours import query_neighbours
from .report import Thumbnails, write_report
from .sources import read_image_bytes
from .usage import plot_usage


def page_queries(args, model, data: Dict, result: Dict) -> List[Tuple[str, object, list]]:
    """``(query path, its row or None, [(row, cosine)])`` for ``--queries`` (images of the
    set or from outside) or a seeded sample of the set."""
    paths, k = data['paths'], max(args.neighbours, 1)
    if not args.queries:
        rows = sample_queries(len(paths), args.num_queries, args.seed)
        if result['idx'] is not None and k <= result['idx'].shape[1]:
            return [(paths[r], r, list(zip(result['idx'][r].tolist(),
                                           result['sims'][r].tolist()))) for r in rows]
        queries = [paths[r] for r in rows]
    else:
        queries = list(args.queries)
    row_of = {osp.abspath(p): r for r, p in enumerate(paths)}
    own = [row_of.get(osp.abspath(q), -1) for q in queries]
    outside = [q for q, r in zip(queries, own) if r < 0]
    feats = torch.as_tensor(np.asarray(data['feature'][[max(r, 0) for r in own]],
                                       np.float32))  # [Q, C]
    if outside:
        from mmswav.apis import extract_features
        extra = extract_features(model, outside, size=args.img_size or None,
                                 resize=args.resize or None)[0].cpu()
        feats[torch.tensor([r < 0 for r in own])] = extra.float()
    sims, idx = query_neighbours(data['feature'], feats, own, k)
    return [(q, r if r >= 0 else None, list(zip(i.tolist(), s.tolist())))
            for q, r, s, i in zip(queries, own, sims, idx)]


def write_outputs(args, model, dataset, data: Dict, result: Dict, settings: Dict,
                  summary: Sequence[Tuple[str, str]]) -> Dict:
    """Write the CSVs, ``clusters.json``, pseudo-label lists, links, figure and page; the
    JSON's content."""
    out, paths = args.out, data['paths']
    outputs.write_assignments(osp.join(out, 'assignments.csv'), paths, result['argmax'],
                              result['balanced'])
    assignments = {}
    for name, members in result['members'].items():
        score = result[name]['score' if name == 'argmax' else 'code']
        suffix = '' if name == 'argmax' else f'_{name}'
        outputs.write_pseudo_labels(osp.join(out, f'pseudo_labels{suffix}.txt'), paths,
                                    result[name]['cluster'])
        assignments[name] = dict(result['usage'][name], num_clusters=len(members),
                                 clusters=outputs.cluster_entries(members, paths, score))
        if 'mass' in result[name]:  # soft codes summed per prototype (N / K when balanced)
            assignments[name]['soft_mass'] = result[name]['mass'].tolist()
        if args.links:
            outputs.write_links(osp.join(out, 'links', name), paths, members)
    if result['sims'] is not None:
        outputs.write_neighbours(osp.join(out, 'neighbours.csv'), paths, result['sims'],
                                 result['idx'])
    outputs.write_duplicates(osp.join(out, 'duplicates.csv'), paths, result['duplicates'])
    queries = page_queries(args, model, data, result)
    doc = dict(settings, summary=[list(r) for r in summary],
               num_found=len(paths) + len(data['skipped']), num_images=len(paths),
               skipped=[s.path for s in data['skipped']], assignments=assignments,
               prototypes=result['prototypes'],
               duplicates=[dict(a=paths[a], b=paths[b], cosine=s)
                           for a, b, s in result['duplicates']],
               neighbours=[dict(query=q, neighbours=[dict(path=paths[r], cosine=s)
                                                     for r, s in row])
                           for q, _, row in queries])
    outputs.write_json(osp.join(out, 'clusters.json'), doc)
    names = list(result['usage'])
    plot_usage([result['usage'][n] for n in names], osp.join(out, 'prototype_usage.png'),
               names)
    index = data['index']
    thumbs = Thumbnails(out, lambda row: read_image_bytes(dataset.get_data_info(index[row])))
    shown = args.page_assignment if args.page_assignment in result['members'] else 'argmax'
    page = dict(title=f'SwAV clusters of {settings["data"]}', summary=summary,
                assignment=shown, num_clusters=assignments[shown]['num_clusters'],
                clusters=cluster_page_rows(
                    result['members'][shown],
                    result[shown]['score' if shown == 'argmax' else 'code'],
                    args.page_clusters, args.page_images),
                neighbours=queries, num_duplicates=len(result['duplicates']),
                duplicates=result['duplicates'][:args.page_duplicates],
                dup_threshold=args.dup_threshold, usage_png='prototype_usage.png',
                prototypes=result['prototypes'], skipped=doc['skipped'])
    write_report(out, page, paths, thumbs)
    doc['thumbnails'] = thumbs.count()
    return doc
