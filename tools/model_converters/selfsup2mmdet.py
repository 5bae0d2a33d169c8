# Copyright (c) mmswav contributors. All rights reserved.
"""Convert a self-supervised checkpoint into ResNet weights for mmdet / mmseg / torchvision.

Reads mmswav, mmpretrain / mmselfsup 1.x and 0.x, facebookresearch/swav (``module.*`` or the
hub layout) and MoCo v1/v2 (``module.encoder_q.*``) checkpoints, tells them apart, prints the
kept and dropped keys, and writes ``{'state_dict': ...}`` with bare ResNet keys that mmdet's and
mmseg's ``ResNet`` load with ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.

Example:
    python tools/model_converters/selfsup2mmdet.py work_dirs/swav/epoch_200.pth swav_r50.pth
"""
import argparse
import os
import os.path as osp
import sys

import torch

from mmswav.apis.convert import convert_checkpoint
from mmswav.apis.resnet_keys import ARCHS


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='self-supervised checkpoint (.pth / .pth.tar)')
    parser.add_argument('dst', help='output file')
    parser.add_argument('--selfsup', choices=('swav', 'moco', 'auto'), default='auto',
                        help='algorithm of SRC; refused when the keys say otherwise')
    parser.add_argument('--arch', choices=ARCHS, default='resnet50',
                        help='ResNet the backbone must match exactly (default resnet50)')
    parser.add_argument('--torchvision', action='store_true',
                        help='write a bare state dict for torchvision.models.resnet50 '
                        '(load_state_dict(sd, strict=False): only fc.* missing)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        backbone, layout, _ = convert_checkpoint(args.src, args.selfsup, args.arch)
    except (FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    meta = dict(converted_from=layout, source=osp.basename(args.src), arch=args.arch)
    torch.save(backbone if args.torchvision else dict(state_dict=backbone, meta=meta), args.dst)
    style = 'torchvision (bare)' if args.torchvision else "OpenMMLab {'state_dict'}"
    print(f'wrote {len(backbone)} keys, {style} format, to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
