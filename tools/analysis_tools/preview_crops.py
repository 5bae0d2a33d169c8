# Copyright (c) mmswav contributors. All rights reserved.
"""Write a PNG grid of the multi-crop views that a config's training pipeline feeds the model.

    python tools/analysis_tools/preview_crops.py CONFIG [--num-images 4] [--zoom 4]
        [--out crops.png] [--data-root DIR] [--cfg-options k=v ...]

One row per image: the original image (resized to the row height), then every view in the
order the model gets them (global crops, then local crops), each at its real pixel size times
``--zoom`` (nearest neighbour), with ``--pad`` pixels of white between cells. The pipeline is
``train_dataloader.dataset.pipeline`` without its final ``Pack*`` transform, so the crops are
exactly those of training, before the data preprocessor's mean/std normalisation. ``--data
PATH`` previews any image folder or ``.txt`` list, as ``tools/train.py --data``. An unreadable
image is skipped (the next readable one takes its row), counted and named.
"""
import argparse
import copy
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from PIL import Image


def to_hwc_uint8(img, bgr: bool) -> np.ndarray:
    """A view (``HWC`` array or ``CHW`` tensor, BGR or RGB) as an RGB ``HWC`` uint8 array."""
    if hasattr(img, 'detach'):  # a torch tensor, CHW
        img = img.detach().cpu().numpy().transpose(1, 2, 0)
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img[..., ::-1] if bgr else img)


def grid_size(rows: Sequence[Sequence[np.ndarray]], zoom: int, pad: int):
    """(height, width) of the grid :func:`make_grid` draws for these rows."""
    heights = [max(c.shape[0] for c in row) * zoom for row in rows]
    widths = [sum(c.shape[1] for c in row) * zoom + pad * (len(row) + 1) for row in rows]
    return sum(heights) + pad * (len(rows) + 1), max(widths)


def make_grid(rows: Sequence[Sequence[np.ndarray]], zoom: int = 1, pad: int = 2) -> np.ndarray:
    """Lay out rows of RGB uint8 cells, each zoomed by ``zoom``, ``pad`` white pixels apart.

    Cells are top-aligned; row height is its tallest cell. The size is :func:`grid_size`.
    """
    height, width = grid_size(rows, zoom, pad)
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    y = pad
    for row in rows:
        x = pad
        for cell in row:
            big = cell.repeat(zoom, axis=0).repeat(zoom, axis=1)  # nearest neighbour
            canvas[y:y + big.shape[0], x:x + big.shape[1]] = big
            x += big.shape[1] + pad
        y += max(c.shape[0] for c in row) * zoom + pad
    return canvas


def view_dataset_cfg(cfg, data_root: Optional[str] = None):
    """The training dataset config with its pipeline cut before the final ``Pack*``."""
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    while 'pipeline' not in ds_cfg and 'dataset' in ds_cfg:  # dataset wrappers
        ds_cfg = ds_cfg.dataset
    if 'pipeline' not in ds_cfg:
        raise KeyError('train_dataloader.dataset has no pipeline; preview_crops needs the '
                       'training pipeline with a multi-crop transform')
    ds_cfg.pipeline = [dict(t, type='RobustLoadImageFromFile')
                       if str(t['type']).split('.')[-1] == 'LoadImageFromFile' else t
                       for t in ds_cfg.pipeline if not str(t['type']).startswith('Pack')]
    if data_root is not None:
        ds_cfg.data_root = data_root
    return ds_cfg


def preview_rows(dataset, indices: Sequence[int], bgr: bool,
                 skipped: List[str]) -> List[List[np.ndarray]]:
    """``[original, view_0, view_1, ...]`` per image index (original at the row height).

    An unreadable image (the pipeline returns None) goes to ``skipped`` and the next
    readable index takes its row; mmengine's random substitute is never used.
    """
    from mmswav.datasets.transforms.robust_loading import decode_rgb
    rows, used = [], set()
    for index in indices:
        while index < len(dataset) and index in used:
            index += 1
        results = None
        while index < len(dataset) and results is None:
            used.add(index)
            path = dataset.get_data_info(index)['img_path']
            results = dataset.prepare_data(index)  # no substitute for an unreadable file
            if results is None:
                skipped.append(path)
                index += 1
        if results is None:
            break
        views = results['img']
        if not isinstance(views, (list, tuple)):
            raise ValueError('the training pipeline yields a single image, not a list of '
                             'views: add MultiView (see configs/_base_/datasets)')
        views = [to_hwc_uint8(v, bgr) for v in views]
        height = max(v.shape[0] for v in views)
        original = Image.fromarray(decode_rgb(path))
        width = max(1, round(original.width * height / original.height))
        rows.append([np.asarray(original.resize((width, height), Image.BILINEAR))] + views)
    return rows


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Grid of the multi-crop views of a config')
    parser.add_argument('config', help='training config')
    parser.add_argument('--out', default='crops.png', help='PNG to write. Defaults to '
                        'crops.png.')
    parser.add_argument('--num-images', type=int, default=4, help='rows. Defaults to 4.')
    parser.add_argument('--indices', type=int, nargs='+', help='dataset indices (default: '
                        'evenly spaced over the dataset)')
    parser.add_argument('--zoom', type=int, default=4, help='pixel zoom. Defaults to 4.')
    parser.add_argument('--pad', type=int, default=2, help='white gap. Defaults to 2.')
    parser.add_argument('--data-root', help='override train_dataloader.dataset.data_root')
    parser.add_argument('--data', help='any image folder or .txt list (as tools/train.py '
                        '--data); replaces the config\'s dataset')
    parser.add_argument('--seed', type=int, default=0, help='random seed. Defaults to 0.')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, xxx=yyy')
    return parser.parse_args()


def main():
    args = parse_args()
    from mmengine.config import Config
    from mmengine.runner import set_random_seed

    from mmswav.registry import DATASETS
    from mmswav.utils import register_all_modules

    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    set_random_seed(args.seed)
    if args.data:
        from mmswav.utils.train_data import use_unlabeled_images
        use_unlabeled_images(cfg, args.data)
    dataset = DATASETS.build(view_dataset_cfg(cfg, args.data_root))
    if len(dataset) == 0:
        raise ValueError(f'the dataset of {args.config} is empty; check --data-root')
    indices = args.indices or np.linspace(0, len(dataset) - 1, args.num_images).astype(int)
    bgr = bool(cfg.model.get('data_preprocessor', {}).get('to_rgb', False))
    skipped: List[str] = []
    rows = preview_rows(dataset, [int(i) for i in indices], bgr, skipped)
    if skipped:
        print(f'skipped {len(skipped)} unreadable image(s): {", ".join(skipped[:10])}'
              + (f' and {len(skipped) - 10} more' if len(skipped) > 10 else ''))
    if not rows:
        raise ValueError(f'no readable image among the {len(dataset)} of the dataset')
    grid = make_grid(rows, zoom=args.zoom, pad=args.pad)
    Image.fromarray(grid).save(args.out)
    sizes = [f'{v.shape[1]}x{v.shape[0]}' for v in rows[0][1:]]
    print(f'{osp.basename(args.config)}: {len(rows)} images x {len(sizes)} views '
          f'({", ".join(sizes)}) -> {args.out} ({grid.shape[1]}x{grid.shape[0]} px)')


if __name__ == '__main__':
    main()
