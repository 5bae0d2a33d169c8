# Copyright (c) mmswav contributors. All rights reserved.
"""The JSON and Markdown table of ``cifar10_protocols.py``: SwAV vs random init per metric."""
import json
from typing import Dict, List, Optional, Tuple

INITS = ('random', 'swav')
Row = Tuple[str, str, Dict[str, Optional[float]], str]


def _minutes(part: dict) -> str:
    return ' / '.join(f"{part[i]['minutes']:.1f}" if i in part else '-' for i in INITS)


def _get(part: dict, init: str, *keys) -> Optional[float]:
    value = part.get(init, {}).get('metrics', {})
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def table_rows(results: dict, svm_subset: int) -> List[Row]:
    """``(protocol, metric, {init: value}, minutes random / SwAV)`` for every result."""
    rows: List[Row] = []
    for part, percent in (('semi1', 1), ('semi10', 10)):
        if part in results:
            r = results[part]
            rows.append((f'semi-supervised, {percent} % labels', 'top-1',
                         {i: _get(r, i, 'accuracy/top1') for i in INITS}, _minutes(r)))
    if 'svm' in results:
        r = results['svm']
        subset = f'{svm_subset:,} train images' if svm_subset else 'all train images'
        best = ', '.join(f"{i}: {r[i]['metrics']['best_layer']}" for i in INITS if i in r)
        rows.append((f'SVM, best layer ({best}; {subset})', 'mAP',
                     {i: _get(r, i, 'best_mAP') for i in INITS}, _minutes(r)))
        rows.append(('SVM, best layer', 'top-1', {i: _get(r, i, 'best_top1') for i in INITS},
                     ''))
        layers = next(iter(r.values()))['metrics']['layers']
        for layer in layers:
            rows.append((f'SVM, {layer}', 'mAP', {i: _get(r, i, 'layers', layer)
                                                  for i in INITS}, ''))
        shots = next(iter(r.values()))['metrics']['low_shot']
        for k in (key for key in shots if key.startswith('k')):
            rows.append((f'low-shot SVM, {k[1:]} per class (best layer)', 'mAP',
                         {i: _get(r, i, 'low_shot', k) for i in INITS}, ''))
    if 'mhead' in results:
        r = results['mhead']
        heads = sorted(next(iter(r.values()))['metrics'], key=lambda h: int(h[10:-5]))
        for n, head in enumerate(heads):
            rows.append((f'multi-head linear, feature{head[10:-5]}', 'top-1',
                         {i: _get(r, i, head) for i in INITS}, _minutes(r) if not n else ''))
    return rows


def markdown(summary: dict) -> str:
    m = summary['machine']
    lines = [
        '# CIFAR-10 protocols: SwAV vs random init', '',
        f"SwAV checkpoint `{summary['checkpoint']}`, data `{summary['data_root']}`"
        + (' (**smoke run: 1 epoch, not a result**)' if summary['smoke'] else '') + '.',
        f"Machine: {m['cpu']}, {m['cores']} cores, OMP_NUM_THREADS={m['omp_num_threads']}.",
        '', '| protocol | metric | random init | SwAV | SwAV - random | minutes (random / SwAV) |',
        '| :--- | :---: | :---: | :---: | :---: | :---: |']
    for protocol, metric, values, minutes in table_rows(summary['results'],
                                                        summary['svm_train_subset']):
        cells = [f'{values[i]:.2f}' if values[i] is not None else '-' for i in INITS]
        diff = (f"{values['swav'] - values['random']:+.2f}"
                if None not in (values['random'], values['swav']) else '-')
        lines.append(f'| {protocol} | {metric} | {cells[0]} | {cells[1]} | {diff} | {minutes} |')
    return '\n'.join(lines) + '\n'


def write_report(summary: dict, stem: str) -> str:
    """Write ``<stem>.json`` and ``<stem>.md``; print and return the Markdown."""
    with open(stem + '.json', 'w') as f:
        json.dump(summary, f, indent=2)
    text = markdown(summary)
    with open(stem + '.md', 'w') as f:
        f.write(text)
    print(text + f'[cifar10] saved {stem}.json and {stem}.md')
    return text
