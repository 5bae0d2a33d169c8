# Copyright (c) mmswav contributors. All rights reserved.
"""Merge the quick start's kNN JSON with the pretraining time and the machine:
``python tools/benchmarks/quickstart_summary.py WORK_DIR`` -> ``WORK_DIR/quickstart.json``."""
import json
import os
import os.path as osp
import platform
import sys

import torch


def cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def main(work_dir: str) -> None:
    with open(osp.join(work_dir, 'knn.json')) as f:
        result = json.load(f)
    wall, user, system = (float(x) for x in
                          open(osp.join(work_dir, 'train_time.txt')).read().split()[-3:])
    result['pretrain'] = dict(wall_minutes=wall / 60, cpu_minutes=(user + system) / 60,
                              checkpoint=open(osp.join(work_dir, 'last_checkpoint')).read())
    budget = osp.join(work_dir, 'budget.json')
    if osp.isfile(budget):  # QS_MINUTES: the measurement counts in the pretraining time
        with open(budget) as f:
            result['budget'] = json.load(f)
        measured = result['budget']['measure_s'] / 60
        result['pretrain']['measure_minutes'] = measured
        result['pretrain']['total_minutes'] = measured + wall / 60
    result['machine'] = dict(cpu=cpu_model(), cores=os.cpu_count(),
                             torch_threads=torch.get_num_threads(),
                             omp_num_threads=os.environ.get('OMP_NUM_THREADS'))
    out = osp.join(work_dir, 'quickstart.json')
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    rows = result['rows']
    keys = [k for k in rows[0] if k.startswith('top1') or k == 'linear_top1']
    print(f"\nCIFAR-10 test top-1 (%), {result['num_train']} train / {result['num_test']} test,"
          f" pretraining {wall / 60:.1f} min wall ({(user + system) / 60:.1f} CPU min) on "
          f"{result['machine']['cores']} cores ({result['machine']['cpu']})")
    print('| model | ' + ' | '.join(keys) + ' |')
    print('|---|' + '---|' * len(keys))
    for row in rows:
        name = 'random init' if row['model'] == 'random' else f"SwAV ({row['model']})"
        print(f'| {name} | ' + ' | '.join(f'{row[k]:.2f}' for k in keys) + ' |')
    if 'budget' in result:
        plan = result['budget']
        print(f"budget {plan['budget_minutes']:g} min: {plan['epochs']} epochs, numerics "
              f"{plan['numerics'] or 'as configured'}; measuring {measured:.1f} min + "
              f"pretraining {wall / 60:.1f} min = {measured + wall / 60:.1f} min")
    if len(rows) == 2 and 'top1_k200' in rows[0]:
        gain = rows[1]['top1_k200'] - rows[0]['top1_k200']
        print(f'SwAV - random init (kNN k=200): {gain:+.2f} points')
    print(f'saved {out}')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'work_dirs/quickstart')
