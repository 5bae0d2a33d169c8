# Copyright (c) mmswav contributors. All rights reserved.
"""Plot training curves (loss, learning rate, kNN top-1, ...) from a work_dir to a PNG.

    python tools/analysis_tools/plot_curves.py work_dirs/RUN [--keys loss lr] [--out RUN.png]

Reads mmengine's scalar logs ``<work_dir>/<timestamp>/vis_data/scalars.json`` (all runs of
the work_dir, a run and its resumes joined into one curve by :func:`join_runs`; or a
``scalars.json`` given directly): one JSON object per line, written by
``LocalVisBackend``. The x axis is iterations (see :func:`series` for evaluation lines).
Without ``--keys``: ``loss``, ``lr`` and every key that contains ``knn``, ``top1``, ``accuracy``
or ``prototypes_used`` (the collapse signal of ``SwAVCollapseHook``).
"""
import argparse
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

DEFAULT_KEYS = ('loss', 'lr')
AUTO_KEY_PARTS = ('knn', 'top1', 'top-1', 'accuracy', 'prototypes_used')


def find_scalars_file(path: str) -> str:
    """The ``scalars.json`` of the latest run in a work_dir (or ``path`` itself).

    Raises:
        FileNotFoundError: When there is no scalar log, naming where it looked.
    """
    if osp.isfile(path):
        return path
    candidates = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not candidates:
        raise FileNotFoundError(
            f'no scalar log under {path}: expected {path}/<timestamp>/vis_data/scalars.json '
            "(written by mmengine's LocalVisBackend); pass a work_dir of a run or the file")
    return candidates[-1]  # timestamps sort in time order


def find_scalars_files(path: str) -> List[str]:
    """Every run's ``scalars.json`` in a work_dir, in time order (or ``[path]`` for a file).

    Raises:
        FileNotFoundError: When there is no scalar log, naming where it looked.
    """
    if osp.isfile(path):
        return [path]
    find_scalars_file(path)  # the error when there is none
    return sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))


def join_runs(runs: Sequence[Sequence[dict]]) -> List[dict]:
    """One curve from the runs of a work_dir (a run and its resumes), in time order.

    A resumed run restarts at its checkpoint's iteration: the lines of the earlier runs from
    that iteration on (trained again after the resume, or lost with a kill) are replaced.
    """
    joined: List[dict] = []
    for records in runs:
        iters = [r['iter'] for r in records if 'iter' in r]
        if iters:
            start = min(iters)
            joined = [r for r in joined if r.get('iter', r.get('step', 0)) < start]
        joined.extend(records)
    return joined


def load_scalars(filename: str) -> List[dict]:
    """One dict per line of an mmengine ``scalars.json``; a bad line is an error naming it."""
    records = []
    with open(filename, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f'{filename}:{lineno} is not a JSON line ({error}); is this '
                                 "an mmengine vis_data/scalars.json?") from error
    return records


def select_keys(records: Sequence[dict], keys: Optional[Sequence[str]] = None) -> List[str]:
    """The keys to plot: ``keys`` as given, else the defaults and kNN/accuracy keys found."""
    present = {k for r in records for k, v in r.items() if isinstance(v, (int, float))}
    if keys:
        missing = [k for k in keys if k not in present]
        if missing:
            raise KeyError(f'keys {missing} are not in the scalar log; it has '
                           f'{sorted(present)}')
        return list(keys)
    auto = sorted(k for k in present if any(p in k.lower() for p in AUTO_KEY_PARTS))
    return [k for k in DEFAULT_KEYS if k in present] + auto


def series(records: Sequence[dict], key: str) -> Tuple[List[float], List[float]]:
    """(x, y) of one key, x in iterations.

    x is the line's ``iter`` (training lines); a line without it (an evaluation written by a
    hook, whose ``step`` may count epochs) is placed at its ``step`` or at the last iteration
    logged before it in the file, whichever is later.
    """
    xs, ys, last_iter = [], [], 0
    for r in records:
        if 'iter' in r:
            last_iter = r['iter']
            x = r['iter']
        else:
            x = max(r.get('step', 0), last_iter)
        if key in r:
            xs.append(x)
            ys.append(float(r[key]))
    return xs, ys


def group_keys(keys: Sequence[str]) -> Dict[str, List[str]]:
    """Panels: keys with the same prefix before ``/`` share one (``knn/top1_k10``,
    ``knn/top1_k20`` -> ``knn``); every other key gets its own."""
    panels: Dict[str, List[str]] = {}
    for key in keys:
        panels.setdefault(key.split('/')[0] if '/' in key else key, []).append(key)
    return panels


def plot_curves(records: Sequence[dict], keys: Sequence[str], out_file: str,
                title: Optional[str] = None, dpi: int = 100) -> Dict[str, int]:
    """Write one panel per :func:`group_keys` group, side by side, to ``out_file`` (PNG).

    Returns:
        Dict[str, int]: Number of points plotted per key.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    if not keys:
        raise ValueError('nothing to plot: the scalar log has none of the requested keys')
    panels = group_keys(keys)
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2), squeeze=False)
    counts = {}
    for ax, (name, members) in zip(axes[0], panels.items()):
        for key in members:
            xs, ys = series(records, key)
            counts[key] = len(xs)
            ax.plot(xs, ys, marker='.' if len(xs) < 50 else None,
                    label=key.split('/', 1)[-1])
        if len(members) > 1:
            ax.legend(fontsize=8)
        ax.set_title(name)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
        if name == 'lr':
            ax.ticklabel_format(axis='y', style='sci', scilimits=(-2, 2))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_file, dpi=dpi)
    plt.close(fig)
    return counts


def parse_args():
    parser = argparse.ArgumentParser(description='Plot curves of a work_dir to a PNG')
    parser.add_argument('path', help='work_dir of a run, or its vis_data/scalars.json')
    parser.add_argument('--keys', nargs='+', help='scalars to plot (default: loss, lr and '
                        'the kNN/accuracy/prototypes_used keys found)')
    parser.add_argument('--out', help='PNG to write (default: <work_dir>/curves.png)')
    parser.add_argument('--title', help='figure title')
    parser.add_argument('--dpi', type=int, default=100, help='resolution. Defaults to 100.')
    return parser.parse_args()


def main():
    args = parse_args()
    files = find_scalars_files(args.path)
    records = join_runs([load_scalars(f) for f in files])
    scalars = files[-1] if len(files) == 1 else f'{args.path} ({len(files)} runs joined)'
    keys = select_keys(records, args.keys)
    out = args.out or osp.join(args.path if osp.isdir(args.path) else osp.dirname(files[0]),
                               'curves.png')
    counts = plot_curves(records, keys, out, title=args.title, dpi=args.dpi)
    print(f'{scalars}: plotted ' + ', '.join(f'{k} ({n} points)' for k, n in counts.items())
          + f' -> {out}')


if __name__ == '__main__':
    main()
