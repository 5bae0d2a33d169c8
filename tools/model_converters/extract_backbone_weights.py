# Copyright (c) mmswav contributors. All rights reserved.
"""Extract the backbone weights of a self-supervised checkpoint.

Writes ``{'state_dict': ...}`` with the keys ``backbone.*`` (loadable into an mmpretrain
classifier) or, with ``--remove-prefix``, bare backbone keys (``conv1.weight``, ...). Any
layout :mod:`mmswav.apis.convert` reads is accepted; no architecture check is made (use
``selfsup2mmdet.py`` for a checked ResNet).

Example:
    python tools/model_converters/extract_backbone_weights.py epoch_200.pth backbone.pth
"""
import argparse
import os
import os.path as osp
import sys

import torch

from mmswav.apis.convert import convert_checkpoint


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('checkpoint', help='self-supervised checkpoint')
    parser.add_argument('output', help='output file')
    parser.add_argument('--remove-prefix', action='store_true',
                        help='drop the "backbone." prefix of the keys')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        backbone, _, _ = convert_checkpoint(args.checkpoint, arch=None)
    except (FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    prefix = '' if args.remove_prefix else 'backbone.'
    state_dict = {prefix + k: v for k, v in backbone.items()}
    if osp.dirname(args.output):
        os.makedirs(osp.dirname(args.output), exist_ok=True)
    torch.save(dict(state_dict=state_dict), args.output)
    print(f'wrote {len(state_dict)} keys ({prefix or "no prefix"}) to {args.output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
