# Copyright (c) mmswav contributors. All rights reserved.
"""One JSON and one Markdown table from the part files of ``gpu_check.py``."""
import json
import os
import os.path as osp
import platform
from typing import Dict, List, Tuple

TITLES = dict(
    a='a. Published model (ResNet-50, 2 x 224 + 6 x 96, LARC): mmswav vs mmpretrain',
    b='b. Sinkhorn under autocast: non-finite values in codes / loss',
    c='c. CIFAR-10 GPU config (tools/train.py), online kNN against epochs',
    d='d. SyncBN in one process, DDP over 2 processes on one device vs one process',
    e='e. Data side: data wait against step time')


def read_rows(out_dir: str, part: str) -> List[dict]:
    path = osp.join(out_dir, f'part_{part}.jsonl')
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _fmt(value) -> str:
    if isinstance(value, float):
        return f'{value:.4g}'
    return '' if value is None else str(value)


def table(rows: List[dict]) -> str:
    """A Markdown table with the union of the rows' keys as columns (first-seen order)."""
    keys: List[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    lines = ['| ' + ' | '.join(keys) + ' |', '|' + '---|' * len(keys)]
    lines += ['| ' + ' | '.join(_fmt(row.get(k)) for k in keys) + ' |' for row in rows]
    return '\n'.join(lines)


def write_report(args, status: Dict[str, str]) -> Tuple[str, str]:
    """Rewrite ``gpu_check.json`` and ``gpu_check.md`` from the part files so far."""
    meta = dict(dry_run=args.dry_run, host=platform.node(), cpus=os.cpu_count(),
                omp_num_threads=os.environ.get('OMP_NUM_THREADS'),
                load_average=round(os.getloadavg()[0], 2), status=status)
    parts = {p: read_rows(args.out_dir, p) for p in args.parts}
    for rows in parts.values():  # the device line the parts record
        for row in rows:
            if row.get('setting') == 'device':
                meta['device'] = row.get('device')
    json_path = osp.join(args.out_dir, 'gpu_check.json')
    md_path = osp.join(args.out_dir, 'gpu_check.md')
    with open(json_path, 'w') as f:
        json.dump(dict(meta=meta, parts=parts), f, indent=1)
    lines = [f'# gpu_check{" (dry run on CPU)" if args.dry_run else ""}', '',
             f'Device: {meta.get("device", "unknown")}; load average '
             f'{meta["load_average"]} on {meta["cpus"]} CPUs; OMP_NUM_THREADS='
             f'{meta["omp_num_threads"]}.', '']
    for part, rows in parts.items():
        rows = [r for r in rows if r.get('setting') != 'device']
        lines += [f'## {TITLES[part]}', '', f'Status: {status.get(part, "not run yet")}.', '']
        lines += [table(rows) if rows else '(no rows)', '']
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines))
    return json_path, md_path
