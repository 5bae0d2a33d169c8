# Copyright (c) mmswav contributors. All rights reserved.
"""Shared helpers of the benchmark tools: evaluation datasets and result tables."""
from typing import List, Sequence

from mmswav.evaluation.features import build_eval_dataset

__all__ = ['build_eval_dataset', 'format_table']


def format_table(rows: List[dict], columns: Sequence[str]) -> str:
    """A markdown table of ``rows`` (floats with two decimals)."""
    def cell(value):
        return f'{value:.2f}' if isinstance(value, float) else str(value)
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    for row in rows:
        lines.append('| ' + ' | '.join(cell(row.get(c, '')) for c in columns) + ' |')
    return '\n'.join(lines)
