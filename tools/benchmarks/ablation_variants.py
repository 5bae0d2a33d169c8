# Copyright (c) mmswav contributors. All rights reserved.
"""The runs of an ablation file (YAML): each variant at each of its seeds, with the
``--cfg-options`` that make it. Used by ``ablations.py`` and ``ablation_report.py``."""
from typing import Dict, List

import yaml


def load_runs(path: str) -> List[dict]:
    """The runs of an ablation file, seed by seed, in file order.

    Each run: ``name`` (``<variant>-s<seed>``), ``variant``, ``claim``, ``note``, ``seed``,
    ``config`` and ``options`` (the file's common options, then the variant's).
    """
    with open(path) as f:
        spec = yaml.safe_load(f)
    for key in ('config', 'variants'):
        if key not in spec:
            raise KeyError(f'{path}: missing top-level key {key!r}')
    runs = []
    for variant in spec['variants']:
        if 'name' not in variant:
            raise KeyError(f'{path}: a variant has no name: {variant}')
        unknown = set(variant) - {'name', 'claim', 'note', 'seeds', 'options', 'config'}
        if unknown:
            raise KeyError(f"{path}: variant {variant['name']!r} has unknown keys {unknown}")
        for seed in variant.get('seeds', [0]):
            options = dict(spec.get('options') or {}, **(variant.get('options') or {}))
            runs.append(dict(name=f"{variant['name']}-s{seed}", variant=variant['name'],
                             claim=variant.get('claim', ''), note=variant.get('note', ''),
                             seed=seed, config=variant.get('config', spec['config']),
                             options=dict(options, **{'randomness.seed': seed})))
    names = [r['name'] for r in runs]
    if len(names) != len(set(names)):
        raise ValueError(f'{path}: two variants have the same name')
    return sorted(runs, key=lambda r: r['seed'])  # stable: file order within a seed


def cli_options(options: Dict[str, object]) -> List[str]:
    """``--cfg-options`` arguments (``key=value``) in mmengine's DictAction syntax."""
    def text(value):
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, (list, tuple)):
            return '[' + ','.join(text(v) for v in value) + ']'
        return str(value)
    return [f'{key}={text(value)}' for key, value in options.items()]
