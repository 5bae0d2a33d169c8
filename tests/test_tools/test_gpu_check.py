# Copyright (c) mmswav contributors. All rights reserved.
"""benchmarks/gpu_check.sh --dry-run: the GPU acceptance script runs end to end on CPU."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('gpu_check')
    env = dict(os.environ, OMP_NUM_THREADS='1', PATH=f'{Path(sys.executable).parent}:'
               f'{os.environ["PATH"]}')
    proc = subprocess.run(['bash', str(ROOT / 'benchmarks/gpu_check.sh'), '--dry-run',
                           '--out-dir', str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads((out / 'gpu_check.json').read_text()), proc.stdout


def test_every_part_runs_and_reports(dry_run):
    out, result, stdout = dry_run
    status = result['meta']['status']
    assert set(status) == set('abcde')
    assert all(s.startswith('ok') for s in status.values()), status
    md = (out / 'gpu_check.md').read_text()
    assert md.count('## ') == 5 and 'dry run on CPU' in md and md in stdout


def test_model_rows_compare_both_libraries(dry_run):
    rows = [r for r in dry_run[1]['parts']['a'] if r.get('setting') != 'device']
    # 1 batch x 2 layouts x 3 precisions x 2 libraries, all finite
    assert len(rows) == 12 and all(r['loss_finite'] and r['img_s'] > 0 for r in rows)
    fp32 = [r for r in rows if r['precision'] == 'fp32' and not r['channels_last']]
    # same weights and inputs: the first losses agree (an independent check of the twin)
    assert abs(fp32[0]['loss_first'] - fp32[1]['loss_first']) < 1e-4
    assert all('simulated' in r['note'] for r in rows if r['precision'] == 'fp16 AMP')


def test_sinkhorn_and_distributed_rows(dry_run):
    parts = dry_run[1]['parts']
    sinkhorn = [r for r in parts['b'] if r.get('setting') != 'device']
    assert len(sinkhorn) == 8 and all(r['mmswav_codes_finite'] for r in sinkhorn)
    dist = [r for r in parts['d'] if r.get('setting', '').startswith(('GN', 'DDP'))]
    assert len(dist) == 2 and all(r['equal'] for r in dist)
    assert 'gloo' in dist[1]['backend']


def test_pipeline_rows(dry_run):
    pipelines = [r for r in dry_run[1]['parts']['e'] if 'pipeline' in r]
    assert [r['pipeline'] for r in pipelines] == ['FastSwAVView', 'mmpretrain transforms']
    assert all(r['mean_step_s'] > 0 and r['data_only_img_s'] > 0 for r in pipelines)


def test_data_rows(dry_run):
    cifar = dry_run[1]['parts']['c']
    if cifar and cifar[0].get('setting') == 'skipped':  # a skip, reported by pytest -rs
        pytest.skip(f'part c (CIFAR-10 training) skipped: {cifar[0]["reason"]}')
    assert [r['epoch'] for r in cifar if 'epoch' in r] == [1]
    assert cifar[-1]['exit_code'] == 0


def test_benchmark_modules_import_no_circle():
    """benchmarks/*.py import each other without a circle: the parts share
    gpu_check_device.py, which imports none of them (read with ast, nothing imported)."""
    import ast
    modules = {p.stem: p for p in (ROOT / 'benchmarks').glob('*.py')}
    graph = {}
    for name, path in modules.items():
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        graph[name] = names & set(modules)

    def reachable(start):
        seen, todo = set(), list(graph[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(graph[name])
        return seen
    assert graph['gpu_check_device'] == set()
    assert {'gpu_check_parts', 'gpu_check_data', 'gpu_check_dist'} <= {
        m for m in graph if 'gpu_check_device' in graph[m]}
    assert [m for m in graph if m in reachable(m)] == []
