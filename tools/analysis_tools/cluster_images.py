# Copyright (c) mmswav contributors. All rights reserved.
"""Which of your images went together: SwAV clusters, neighbours and near-duplicates of a
folder, in CSV / JSON files and one static HTML page (docs/clusters.md).

    python tools/analysis_tools/cluster_images.py CONFIG CHECKPOINT --data PATH --out DIR

``--data``: a folder (any layout, recursively), a ``.txt`` list or shards (a
``manifest.json`` of images2shards.py, or its folder). Every readable image is embedded once
(backbone GAP features + prototype scores; unreadable files are left out and named). Written
to ``--out``: ``report.html`` (+ ``thumbs/``, ``prototype_usage.png``), ``assignments.csv``,
``clusters.json``, ``pseudo_labels.txt`` (+ ``_balanced``), ``neighbours.csv``,
``duplicates.csv`` and, with ``--links``, ``links/<assignment>/cluster_<id>/``.
"""
import argparse
import os
import os.path as osp
import sys
import time

import torch


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='training config of the checkpoint')
    p.add_argument('checkpoint', help="checkpoint file, or 'random' (seeded random init)")
    p.add_argument('--data', required=True, help='image folder, .txt list or shards')
    p.add_argument('--out', required=True, help='output folder')
    p.add_argument('--img-size', type=int, help='centre crop (default: the training crop)')
    p.add_argument('--resize', type=int, help='short side before the crop (default: crop)')
    p.add_argument('--head', type=int, default=0, help='prototype head. Defaults to 0.')
    p.add_argument('--epsilon', type=float, help='Sinkhorn epsilon (default: the loss\'s)')
    p.add_argument('--iterations', type=int, help='Sinkhorn iterations (default: the loss\'s)')
    p.add_argument('--no-balanced', action='store_true', help='skip the Sinkhorn assignment '
                   '(it needs N x K x 4 bytes)')
    p.add_argument('--neighbours', type=int, default=5, help='per image. Defaults to 5.')
    p.add_argument('--queries', nargs='+', default=[], help='query images for the page')
    p.add_argument('--num-queries', type=int, default=8, help='sampled queries when no '
                   '--queries. Defaults to 8.')
    p.add_argument('--dup-threshold', type=float, default=0.995,
                   help='cosine of a near-duplicate pair. Defaults to 0.995.')
    p.add_argument('--near-copy', type=float, default=0.99,
                   help='cosine of near-copy prototypes. Defaults to 0.99.')
    p.add_argument('--links', action='store_true', help='a folder of links per cluster')
    p.add_argument('--page-assignment', choices=['argmax', 'balanced'], default='argmax')
    p.add_argument('--page-clusters', type=int, default=30, help='Defaults to 30.')
    p.add_argument('--page-images', type=int, default=12, help='per cluster. Defaults to 12.')
    p.add_argument('--page-duplicates', type=int, default=50, help='Defaults to 50.')
    p.add_argument('--batch-size', type=int, default=64, help='Defaults to 64.')
    p.add_argument('--num-workers', type=int, default=2, help='Defaults to 2.')
    p.add_argument('--memory-budget-gb', type=float, default=8.)
    p.add_argument('--memmap-dir', help='float16 feature maps (default: <out>/features)')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--seed', type=int, default=0, help='random init / query sample seed')
    p.add_argument('--no-progress', action='store_true')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.dist import get_dist_info, init_dist

    from mmswav.analysis.cluster_outputs import write_outputs
    from mmswav.analysis.clusters import analyse, extract, summary_rows
    from mmswav.analysis.embed import eval_view, load_model, sinkhorn_settings
    from mmswav.analysis.sources import build_image_dataset
    from mmswav.evaluation.eval_pipeline import training_size
    from mmswav.utils import register_all_modules, replace_sync_bn

    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    replace_sync_bn(cfg._cfg_dict)
    if args.launcher != 'none':
        init_dist(args.launcher, backend='nccl' if args.device.startswith('cuda') else 'gloo')
    size = args.img_size or training_size(cfg)
    if not size:
        raise ValueError(f'no crop size in the training pipeline of {args.config}: pass '
                         '--img-size')
    resize = args.resize or size
    missing = [q for q in args.queries if not osp.isfile(q)]
    if missing:
        raise FileNotFoundError(f'--queries: no such image file: {", ".join(missing)}')
    start = time.time()
    dataset = build_image_dataset(args.data, eval_view(size, resize))
    model = load_model(cfg, args.checkpoint, args.seed).to(args.device)
    epsilon, iterations, _ = sinkhorn_settings(model)
    epsilon, iterations = args.epsilon or epsilon, args.iterations or iterations
    print(f'[cluster_images] {len(dataset)} image file(s) under {args.data}; view: short '
          f'side {resize}, centre crop {size}; Sinkhorn epsilon {epsilon}, {iterations} '
          'iterations', flush=True)
    data = extract(model, dataset, args.head, args.batch_size, args.num_workers,
                   args.memory_budget_gb, args.memmap_dir or osp.join(args.out, 'features'),
                   progress=not args.no_progress)
    if get_dist_info()[0] != 0:
        return {}
    result = analyse(model, data, args.head, epsilon, iterations, not args.no_balanced,
                     args.neighbours, args.dup_threshold, args.near_copy, args.device)
    os.makedirs(args.out, exist_ok=True)
    settings = dict(config=args.config, checkpoint=args.checkpoint, data=args.data,
                    img_size=size, resize=resize, head=args.head, epsilon=epsilon,
                    iterations=iterations, dup_threshold=args.dup_threshold)
    summary = write_outputs(args, model, dataset, data, result, settings,
                            summary_rows(data, result))
    for label, value in summary['summary']:
        print(f'[cluster_images] {label}: {value}')
    print(f'[cluster_images] {time.time() - start:.1f} s -> {osp.join(args.out, "report.html")}')
    return summary


if __name__ == '__main__':
    sys.exit(0 if main() is not None else 1)
