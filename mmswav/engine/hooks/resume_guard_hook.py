# Copyright (c) mmswav contributors. All rights reserved.
"""Refuse a resume whose batch size, world size, dataset length or seed changed; warn when
the number of torch threads changed on CPU (not bit-exact then)."""
from typing import Dict, Optional

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmswav.registry import HOOKS

RUN_INFO_KEY = 'mmswav_run'
_LABELS = dict(batch_size='batch size per process', world_size='world size (processes)',
               dataset_length='dataset length (images)', iters_per_epoch='iterations per epoch',
               seed='random seed (randomness.seed)',
               sampler_seed='seed of the data sampler (drawn from randomness.seed)')


class ResumeRefused(SystemExit):
    """A resume that would silently train something else; the message says what to do."""


def run_info(runner) -> Dict[str, Optional[int]]:
    """What a resumed run must share with the checkpoint's run."""
    loader = runner.train_dataloader
    batch_sampler = getattr(loader, 'batch_sampler', None)
    sampler = getattr(batch_sampler, 'sampler', None) or getattr(loader, 'sampler', None)
    while not hasattr(sampler, 'seed') and hasattr(sampler, 'sampler'):
        sampler = sampler.sampler  # InterruptHook's _SkipFirst in a resumed epoch
    seed = getattr(sampler, 'seed', None)
    return dict(
        batch_size=getattr(batch_sampler, 'batch_size', None) or loader.batch_size,
        world_size=get_world_size(),
        dataset_length=len(loader.dataset),
        iters_per_epoch=len(loader),
        seed=base_seed(runner),
        sampler_seed=None if seed is None else int(seed),
        torch_threads=torch.get_num_threads(),  # not refused: see threads_warning
        numerics=runner.cfg.get('numerics', None))  # --numerics auto reuses it on resume


def base_seed(runner) -> Optional[int]:
    """The run's seed as in ``randomness.seed`` (``diff_rank_seed`` adds the rank to it)."""
    if runner.seed is None or not runner._randomness_cfg.get('diff_rank_seed', False):
        return runner.seed
    return runner.seed - get_rank()


def changes(saved: dict, current: dict, accept_seed_change: bool = False) -> Dict[str, tuple]:
    """``{key: (saved, current)}`` for the :func:`run_info` values that differ."""
    return {k: (saved[k], current[k]) for k in _LABELS
            if saved.get(k) is not None and current.get(k) is not None
            and saved[k] != current[k] and not (k.endswith('seed') and accept_seed_change)}


def refusal_message(filename: str, changed: Dict[str, tuple]) -> str:
    """What changed (old -> new) and what to do."""
    lines = [f'Refusing to resume from {filename}: the run changed since it was saved']
    lines += [f'  {_LABELS[k]}: {old} -> {new}' for k, (old, new) in changed.items()]
    if 'seed' in changed or 'sampler_seed' in changed:
        old_seed = changed.get('seed', ('the saved seed', ))[0]
        lines.append('A new seed changes the data order and the augmentations from the resume '
                     f'on. Resume with that seed (--cfg-options randomness.seed={old_seed}), '
                     'or pass --accept-seed-change to continue with the new seed.')
    if set(changed) - {'seed', 'sampler_seed'}:
        lines.append('The saved position (iteration, epoch, batches already trained this '
                     'epoch) only holds for the same batch size, world size and data. Resume '
                     'with the values of that run (its config is in the checkpoint and in the '
                     'work dir), or start a new run in a new work dir from these weights: '
                     f'--cfg-options load_from={filename} (weights only: new optimizer, '
                     'schedule and queue).')
    return '\n'.join(lines)


def threads_warning(saved: dict, device: str = 'cpu') -> Optional[str]:
    """On CPU, a resume with another thread count is correct but not bit-exact: the results
    depend on the thread count (1 vs 2 threads: weights up to 4e-5 apart after the 8
    iterations of the test config; see docs/common_issues.md)."""
    old, new = saved.get('torch_threads'), torch.get_num_threads()
    if old is None or old == new or device != 'cpu':
        return None
    return (f'torch threads: {old} -> {new}. The resume is correct, but CPU results depend on '
            'the thread count: from here on the weights differ in the last bits from a run '
            f'that kept {old} threads. For a bit-exact continuation resume with '
            f'OMP_NUM_THREADS={old} (on a machine with at least {old} cores).')


@HOOKS.register_module()
class ResumeGuardHook(Hook):
    """Store :func:`run_info` in every checkpoint (``meta['mmswav_run']``); on resume, stop
    with :class:`ResumeRefused` when it changed.

    A checkpoint without it (saved without this hook) is resumed with a log line.

    Args:
        accept_seed_change (bool): Resume with another seed anyway (another data order from
            the resume on). Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, accept_seed_change: bool = False) -> None:
        self.accept_seed_change = accept_seed_change

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})[RUN_INFO_KEY] = run_info(runner)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return  # load_from: weights only, nothing to line up
        filename = getattr(runner, '_load_from', None) or 'the checkpoint'
        meta = checkpoint.get('meta', {}) or {}
        saved = meta.get(RUN_INFO_KEY)
        if saved is None:
            saved = dict(seed=meta.get('seed'))
            print_log(f'{filename} has no {RUN_INFO_KEY} record (saved without '
                      'ResumeGuardHook): only the seed is checked', logger='current', level=30)
        changed = changes(saved, run_info(runner), self.accept_seed_change)
        if changed:
            raise ResumeRefused(refusal_message(filename, changed))
        param = next(runner.model.parameters(), None)
        warning = threads_warning(saved, 'cpu' if param is None else param.device.type)
        if warning:
            print_log(warning, logger='current', level=30)
