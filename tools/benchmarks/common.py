# Copyright (c) mmswav contributors. All rights reserved.
"""Shared helpers of the benchmark tools: evaluation datasets and result tables."""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmswav.evaluation.features import build_eval_dataset

__all__ = ['add_loader_args', 'build_eval_dataset', 'format_table', 'save_result']


def add_loader_args(parser: argparse.ArgumentParser, batch_size: int) -> None:
    """``--batch-size`` (default ``batch_size``) and ``--num-workers`` (default 2) of the
    feature extraction, as every evaluation tool names them."""
    parser.add_argument('--batch-size', type=int, default=batch_size,
                        help='images per feature-extraction batch')
    parser.add_argument('--num-workers', type=int, default=2,
                        help='dataloader worker processes')


def format_table(rows: List[dict], columns: Sequence[str]) -> str:
    """A markdown table of ``rows`` (floats with two decimals)."""
    def cell(value):
        return f'{value:.2f}' if isinstance(value, float) else str(value)
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    for row in rows:
        lines.append('| ' + ' | '.join(cell(row.get(c, '')) for c in columns) + ' |')
    return '\n'.join(lines)


def save_result(result: dict, out: Optional[str], tag: str) -> None:
    """Write ``result`` as indented JSON to ``out`` (its folder made), printing
    ``[<tag>] saved <out>``; nothing when ``out`` is None."""
    if not out:
        return
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'[{tag}] saved {out}')
