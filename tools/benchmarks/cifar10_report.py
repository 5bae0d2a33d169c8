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


def plot(summary: dict, path: str) -> None:
    """Left: low-shot SVM mAP against images per class; right: the other protocols as bars
    (semi-supervised 1 % / 10 %, full SVM, best multi-head layer); random init vs SwAV."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    results = summary['results']
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    colors = dict(random='tab:gray', swav='tab:blue')
    labels = dict(random='random init', swav='SwAV')
    for init in INITS:
        shots = results.get('svm', {}).get(init, {}).get('metrics', {}).get('low_shot', {})
        ks = sorted((int(k[1:]), v) for k, v in shots.items() if k.startswith('k'))
        if ks:
            left.plot(*zip(*ks), 'o-', color=colors[init], label=labels[init])
            left.set_xticks([k for k, _ in ks], [str(k) for k, _ in ks])
    left.set(xscale='log', xlabel='labelled images per class (SVM, best layer)',
             ylabel='mAP (%)', title='low-shot SVM')
    left.legend()
    bars = [('semi 1 %', 'semi1', ('accuracy/top1', )), ('semi 10 %', 'semi10',
            ('accuracy/top1', )), ('SVM (mAP)', 'svm', ('best_mAP', ))]
    for init_index, init in enumerate(INITS):
        values = [_get(results.get(part, {}), init, *keys) for _, part, keys in bars]
        heads = results.get('mhead', {}).get(init, {}).get('metrics', {})
        values.append(max(heads.values()) if heads else None)
        xs = [i + 0.4 * init_index for i in range(len(values))]
        right.bar(xs, [v or 0 for v in values], 0.4, color=colors[init], label=labels[init])
    right.set_xticks([i + 0.2 for i in range(len(bars) + 1)],
                     [name for name, _, _ in bars] + ['multi-head\n(best layer)'])
    right.set(ylabel='top-1 / mAP (%)', title='CIFAR-10 test images')
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(summary: dict, stem: str) -> str:
    """Write ``<stem>.json``, ``<stem>.md`` and ``<stem>.png``; print and return the
    Markdown."""
    with open(stem + '.json', 'w') as f:
        json.dump(summary, f, indent=2)
    text = markdown(summary)
    with open(stem + '.md', 'w') as f:
        f.write(text)
    plot(summary, stem + '.png')
    print(text + f'[cifar10] saved {stem}.json, .md and .png')
    return text
