# Copyright (c) mmswav contributors. All rights reserved.
"""The results of an ablation work dir as JSON, a Markdown table and a bar plot.

    python tools/benchmarks/ablation_report.py \
        configs/swav/ablations/cifar10_quickstart_ablations.yml \
        --work-dir work_dirs/ablations

Reads ``<work-dir>/<run>/result.json`` (written by ``ablations.py``) and
``<work-dir>/random_init.json``; writes ``ablations.json``, ``ablations.md`` and
``ablations.png`` into the work dir. Variants with several seeds show the mean and the spread
(max - min) over their seeds.
"""
import argparse
import json
import os.path as osp
from statistics import mean
from typing import Dict, List

METRICS = ('top1_k20', 'top1_k200', 'linear_top1')


def collect(work_dir: str, runs: List[dict]) -> Dict[str, List[dict]]:
    """Finished runs (those with ``result.json``) grouped by variant, in file order."""
    by_variant: Dict[str, List[dict]] = {}
    for run in runs:
        path = osp.join(work_dir, run['name'], 'result.json')
        by_variant.setdefault(run['variant'], [])
        if osp.isfile(path):
            with open(path) as f:
                by_variant[run['variant']].append(json.load(f))
    return by_variant


def summarise(results: List[dict]) -> dict:
    """Mean, spread (max - min) and per-seed values of every metric over the seeds."""
    row = dict(variant=results[0]['variant'], claim=results[0]['claim'],
               note=results[0]['note'], seeds=[r['seed'] for r in results],
               pretrain_minutes=mean(r['pretrain_minutes'] for r in results),
               pretrain_cpu_minutes=mean(r.get('pretrain_cpu_minutes', 0) for r in results),
               threads=results[0].get('threads'), cpu=results[0].get('cpu'))
    for key in METRICS:
        values = [r[key] for r in results]
        row[key] = mean(values)
        row[f'{key}_spread'] = max(values) - min(values)
        row[f'{key}_values'] = values
    return row


def markdown(rows: List[dict], random_row: dict) -> str:
    def cell(row, key):
        if len(row[f'{key}_values']) == 1:
            return f'{row[key]:.2f}'
        return f'{row[key]:.2f} ± {row[f"{key}_spread"] / 2:.2f}'
    lines = ['| claim | variant | seeds | kNN k=20 | kNN k=200 | linear (log. reg.) | '
             'pretrain wall min | pretrain CPU min |', '|---|---|---|---:|---:|---:|---:|---:|']
    if random_row:
        lines.append('| - | random init | - | ' + ' | '.join(
            f'{random_row[k]:.2f}' for k in METRICS) + ' | 0 | 0 |')
    for row in rows:
        seeds = ','.join(str(s) for s in row['seeds'])
        lines.append(f"| {row['claim']} | {row['variant']} | {seeds} | " +
                     ' | '.join(cell(row, k) for k in METRICS) +
                     f" | {row['pretrain_minutes']:.1f} | {row['pretrain_cpu_minutes']:.1f} |")
    lines.append('\nSeveral seeds: mean ± half the spread (max - min) over the seeds.')
    return '\n'.join(lines) + '\n'


def plot(rows: List[dict], random_row: dict, out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(rows) + 2), 4))
    names = [r['variant'] for r in rows]
    values = [r['top1_k200'] for r in rows]
    errors = [[r['top1_k200'] - min(r['top1_k200_values']) for r in rows],
              [max(r['top1_k200_values']) - r['top1_k200'] for r in rows]]
    claims = sorted({r['claim'] for r in rows})
    colours = {c: plt.cm.tab10(i % 10) for i, c in enumerate(claims)}
    ax.bar(names, values, yerr=errors, capsize=3, color=[colours[r['claim']] for r in rows])
    if random_row:
        ax.axhline(random_row['top1_k200'], color='grey', linestyle='--')
        ax.text(-0.45, random_row['top1_k200'] + 0.2, 'random init', color='grey')
    low = min(values + ([random_row['top1_k200']] if random_row else [])) - 5
    ax.set_ylim(max(0, low), max(values) + 3)
    ax.set_ylabel('CIFAR-10 kNN top-1 (k=200, %)')
    ax.set_title('SwAV ablations (bars: seed min-max)')
    plt.setp(ax.get_xticklabels(), rotation=40, ha='right')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def write_report(work_dir: str, runs: List[dict]) -> List[dict]:
    """Write ``ablations.{json,md,png}`` for the finished runs; the summary rows."""
    random_file = osp.join(work_dir, 'random_init.json')
    random_row = json.load(open(random_file)) if osp.isfile(random_file) else {}
    rows = [summarise(results) for results in collect(work_dir, runs).values() if results]
    with open(osp.join(work_dir, 'ablations.json'), 'w') as f:
        json.dump(dict(random_init=random_row, variants=rows,
                       runs=[r for rs in collect(work_dir, runs).values() for r in rs]),
                  f, indent=2)
    with open(osp.join(work_dir, 'ablations.md'), 'w') as f:
        f.write(markdown(rows, random_row))
    if rows:
        plot(rows, random_row, osp.join(work_dir, 'ablations.png'))
    print(f'[ablations] {len(rows)} variant(s) in {work_dir}/ablations.md, .json, .png')
    return rows


def main() -> None:
    from ablation_variants import load_runs
    parser = argparse.ArgumentParser(description='Tables and plot of an ablation work dir')
    parser.add_argument('variants', help='the ablation YAML file the runs came from')
    parser.add_argument('--work-dir', default='work_dirs/ablations', help='ablations.py output')
    args = parser.parse_args()
    write_report(args.work_dir, load_runs(args.variants))


if __name__ == '__main__':
    main()
