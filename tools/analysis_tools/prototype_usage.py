# Copyright (c) mmswav contributors. All rights reserved.
"""Prototype usage histogram and assignment entropy of a SwAV checkpoint over a dataset sample.

    python tools/analysis_tools/prototype_usage.py CONFIG CHECKPOINT [--num-images 2000]
        [--out-dir DIR] [--data PATH | --data-root DIR] [--cfg-options k=v ...]

Every sampled image (resized on its short edge and centre-cropped to the global crop size of
the training pipeline, or ``--img-size``) is embedded, scored against the prototypes, and
assigned to its best prototype. Printed and saved to ``prototype_usage.json``, per prototype
head: images per prototype, prototypes used, the entropy ``H`` of the usage distribution (nats;
``ln K`` when all ``K`` are used equally, 0 when collapsed onto one), ``exp(H)`` (effective
number of prototypes), and the mean entropy of the per-image soft assignment
``softmax(scores / temperature)``. ``prototype_usage.png``: images per prototype, most used first.
Unreadable images are left out (never replaced by another image), counted and named.
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, Optional

import numpy as np
import torch

from mmswav.analysis.usage import plot_usage, usage_stats  # noqa: F401  (re-exported)


def global_crop_size(pipeline) -> Optional[int]:
    """The output size of the first crop found in a (nested) pipeline: the ``scale`` of a
    ``RandomResizedCrop``, or the ``size`` of a fused crop transform (``FastSwAVView``)."""
    if isinstance(pipeline, dict):
        kind = str(pipeline.get('type', ''))
        if 'RandomResizedCrop' in kind:
            scale = pipeline.get('scale')
            return int(scale if isinstance(scale, int) else scale[0])
        if kind != 'MultiView' and isinstance(pipeline.get('size'), int):
            return pipeline['size']
        pipeline = list(pipeline.values())
    if isinstance(pipeline, (list, tuple)):
        for item in pipeline:
            size = global_crop_size(item)
            if size is not None:
                return size
    return None


def prototype_scores(model, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Prototype scores ``{'head<i>': [B, K_i]}`` of a preprocessed batch."""
    return {f'head{i}': s for i, s in enumerate(model.head(model.embed([inputs])))}


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Prototype usage of a SwAV checkpoint')
    parser.add_argument('config', help='training config of the checkpoint')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--num-images', type=int, default=2000,
                        help='random images from the dataset. Defaults to 2000.')
    parser.add_argument('--img-size', type=int, help='input size (default: global crop)')
    parser.add_argument('--batch-size', type=int, default=128, help='Defaults to 128.')
    parser.add_argument('--data-root', help='override train_dataloader.dataset.data_root')
    parser.add_argument('--data', help='any image folder, .txt list or shards (as '
                        'tools/train.py --data); replaces the config\'s dataset')
    parser.add_argument('--out-dir', default='.', help='where the JSON and PNG go')
    parser.add_argument('--seed', type=int, default=0, help='sample seed. Defaults to 0.')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, xxx=yyy')
    return parser.parse_args()


def build_dataset(cfg, args, size: int):
    """The config's training dataset (or ``--data``) with an evaluation view, unreadable
    images left out (never replaced by another)."""
    from mmswav.analysis.embed import eval_view
    from mmswav.analysis.sources import build_image_dataset
    from mmswav.evaluation.readable import ReadableSamples
    from mmswav.registry import DATASETS
    if args.data:
        return build_image_dataset(args.data, eval_view(size, size))
    ds_cfg = cfg.train_dataloader.dataset
    while 'pipeline' not in ds_cfg and 'dataset' in ds_cfg:
        ds_cfg = ds_cfg.dataset
    ds_cfg.pipeline = [dict(type='RobustLoadImageFromFile'), *eval_view(size, size),
                       dict(type='PackInputs')]
    if args.data_root:
        ds_cfg.data_root = args.data_root
    return ReadableSamples(DATASETS.build(ds_cfg))


def main():
    args = parse_args()
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    from mmswav.evaluation.features import extract_features
    from mmswav.evaluation.readable import collate_readable
    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ds_cfg = cfg.train_dataloader.dataset
    while 'pipeline' not in ds_cfg and 'dataset' in ds_cfg:
        ds_cfg = ds_cfg.dataset
    size = args.img_size or global_crop_size(ds_cfg.pipeline)
    if size is None:
        raise ValueError(f'no crop size found in the training pipeline of {args.config}; '
                         'pass --img-size')
    dataset = build_dataset(cfg, args, size)
    rng = np.random.default_rng(args.seed)
    indices = rng.permutation(len(dataset))[:args.num_images].tolist()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(dataset, indices), batch_size=args.batch_size,
        collate_fn=collate_readable)

    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    temperature = float(getattr(model.head.loss_module, 'temperature', 0.1))
    print(f'{len(indices)} images of {len(dataset)}, {size}x{size}, temperature {temperature}')
    skipped = []
    scores, _ = extract_features(model, loader, prototype_scores, skipped=skipped)
    stats = [usage_stats(scores[f'head{i}'], temperature) for i in range(len(scores))]
    if skipped:
        print(f'{len(skipped)} unreadable image(s) left out: '
              f'{", ".join(s.path for s in skipped[:10])}')

    os.makedirs(args.out_dir, exist_ok=True)
    for i, s in enumerate(stats):
        print(f"head {i}: used {s['used_prototypes']}/{s['num_prototypes']} prototypes, "
              f"usage entropy {s['usage_entropy']:.3f} nats (max {s['usage_entropy_max']:.3f}),"
              f" effective prototypes {s['effective_prototypes']:.1f}, mean assignment "
              f"entropy {s['mean_assignment_entropy']:.3f}")
    with open(osp.join(args.out_dir, 'prototype_usage.json'), 'w') as f:
        json.dump(dict(config=args.config, checkpoint=args.checkpoint, heads=stats,
                       skipped=[s.path for s in skipped]), f)
    plot_usage(stats, osp.join(args.out_dir, 'prototype_usage.png'))
    print(f'-> {args.out_dir}/prototype_usage.json, prototype_usage.png')


if __name__ == '__main__':
    main()
