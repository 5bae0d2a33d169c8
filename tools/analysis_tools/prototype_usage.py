# Copyright (c) mmswav contributors. All rights reserved.
"""Prototype usage histogram and assignment entropy of a SwAV checkpoint over a dataset sample.

    python tools/analysis_tools/prototype_usage.py CONFIG CHECKPOINT [--num-images 2000]
        [--out-dir DIR] [--data-root DIR] [--cfg-options k=v ...]

Every sampled image (resized on its short edge and centre-cropped to the global crop size of
the training pipeline, or ``--img-size``) is embedded, scored against the prototypes, and
assigned to its best prototype. Printed and saved to ``prototype_usage.json``, per prototype
head: images per prototype, prototypes used, the entropy ``H`` of the usage distribution (nats;
``ln K`` when all ``K`` are used equally, 0 when collapsed onto one), ``exp(H)`` (effective
number of prototypes), and the mean entropy of the per-image soft assignment
``softmax(scores / temperature)``. ``prototype_usage.png``: images per prototype, most used first.
"""
import argparse
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import torch


def usage_stats(scores: torch.Tensor, temperature: float = 0.1) -> Dict:
    """Usage statistics of prototype scores ``[N, K]`` (see the module docstring)."""
    num, k = scores.shape
    counts = torch.bincount(scores.argmax(dim=1), minlength=k)  # [K]
    p = counts.double() / num
    entropy = float(-(p[p > 0] * p[p > 0].log()).sum())
    log_q = torch.log_softmax(scores.double() / temperature, dim=1)  # [N, K]
    soft_entropy = float(-(log_q.exp() * log_q).sum(dim=1).mean())
    return dict(
        num_images=num, num_prototypes=k, counts=counts.tolist(),
        used_prototypes=int((counts > 0).sum()), usage_entropy=entropy,
        usage_entropy_max=math.log(k), effective_prototypes=math.exp(entropy),
        mean_assignment_entropy=soft_entropy)


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


@torch.no_grad()
def collect_scores(model, dataloader, progress: bool = True) -> List[torch.Tensor]:
    """Prototype scores ``[N, K]`` per prototype head of every image of the dataloader."""
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    chunks: List[List[torch.Tensor]] = []
    for data in dataloader:
        inputs = model.data_preprocessor(data, False)['inputs']
        inputs = inputs[0] if isinstance(inputs, (list, tuple)) else inputs  # [B, C, H, W]
        chunks.append([s.float() for s in model.head(model.embed([inputs]))])
        if bar is not None:
            bar.update(len(inputs))
    if bar is not None:
        print()
    if not chunks:
        raise ValueError('the dataset sample is empty; check --data-root / --num-images')
    return [torch.cat(per_head) for per_head in zip(*chunks)]


def plot_usage(stats: List[Dict], out_file: str) -> None:
    """Bar chart of images per prototype, most used first, one panel per head."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(stats), figsize=(6 * len(stats), 3.4), squeeze=False)
    for ax, s in zip(axes[0], stats):
        counts = sorted(s['counts'], reverse=True)
        ax.bar(range(len(counts)), counts, width=1.0)
        ax.axhline(s['num_images'] / s['num_prototypes'], color='r', lw=1, label='uniform')
        ax.set_xlabel('prototype (most used first)')
        ax.set_ylabel('images')
        ax.set_title(f"used {s['used_prototypes']}/{s['num_prototypes']}, "
                     f"H={s['usage_entropy']:.2f} (max {s['usage_entropy_max']:.2f}), "
                     f"exp(H)={s['effective_prototypes']:.1f}", fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


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
    parser.add_argument('--out-dir', default='.', help='where the JSON and PNG go')
    parser.add_argument('--seed', type=int, default=0, help='sample seed. Defaults to 0.')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, xxx=yyy')
    return parser.parse_args()


def main():
    args = parse_args()
    from mmengine.config import Config
    from mmengine.dataset import default_collate
    from mmengine.runner import load_checkpoint

    from mmswav.registry import DATASETS, MODELS
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
    ds_cfg.pipeline = [dict(type='LoadImageFromFile'),
                       dict(type='ResizeEdge', scale=size, edge='short'),
                       dict(type='CenterCrop', crop_size=size), dict(type='PackInputs')]
    if args.data_root:
        ds_cfg.data_root = args.data_root
    dataset = DATASETS.build(ds_cfg)
    rng = np.random.default_rng(args.seed)
    indices = rng.permutation(len(dataset))[:args.num_images].tolist()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.Subset(dataset, indices), batch_size=args.batch_size,
        collate_fn=default_collate)

    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    temperature = float(getattr(model.head.loss_module, 'temperature', 0.1))
    print(f'{len(indices)} images of {len(dataset)}, {size}x{size}, temperature {temperature}')
    stats = [usage_stats(s, temperature) for s in collect_scores(model, loader)]

    os.makedirs(args.out_dir, exist_ok=True)
    for i, s in enumerate(stats):
        print(f"head {i}: used {s['used_prototypes']}/{s['num_prototypes']} prototypes, "
              f"usage entropy {s['usage_entropy']:.3f} nats (max {s['usage_entropy_max']:.3f}),"
              f" effective prototypes {s['effective_prototypes']:.1f}, mean assignment "
              f"entropy {s['mean_assignment_entropy']:.3f}")
    with open(osp.join(args.out_dir, 'prototype_usage.json'), 'w') as f:
        json.dump(dict(config=args.config, checkpoint=args.checkpoint, heads=stats), f)
    plot_usage(stats, osp.join(args.out_dir, 'prototype_usage.png'))
    print(f'-> {args.out_dir}/prototype_usage.json, prototype_usage.png')


if __name__ == '__main__':
    main()
