# Copyright (c) mmswav contributors. All rights reserved.
import os
import os.path as osp
import signal
import threading
import time
from typing import Dict, Iterator, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from mmswav.engine.resume_cli import resume_command
from mmswav.registry import HOOKS

from .atomic_checkpoint_hook import save_checkpoint_atomic, write_text_atomic
from .resume_guard_hook import ResumeRefused


class TrainingInterrupted(SystemExit):
    """Raised after the resumable checkpoint of a SIGTERM / Ctrl-C is saved."""


class _SkipFirst:
    """A sampler that leaves out the first ``skip`` indices of ``sampler`` (same length, so
    the progress shown in the log stays that of the whole epoch)."""

    def __init__(self, sampler, skip: int) -> None:
        self.sampler, self.skip = sampler, skip

    def __iter__(self) -> Iterator[int]:
        indices = iter(self.sampler)
        for _ in range(self.skip):
            next(indices, None)
        return indices

    def __len__(self) -> int:
        return len(self.sampler)


@HOOKS.register_module()
class InterruptHook(Hook):
    """Save a resumable checkpoint on SIGTERM / SIGINT (Ctrl-C), and resume mid-epoch exactly.

    On the first signal the current iteration finishes; then the checkpoint is saved (with
    optimizer, schedulers and the SwAV queue), ``work_dir/last_checkpoint`` points at it, and
    the process exits (:class:`TrainingInterrupted`, exit code 128 + signal). A second signal
    acts as without the hook (Ctrl-C twice: stop now, save nothing). In distributed runs the
    ranks agree on the stop every iteration (one scalar all-reduce). Repeats within
    ``grace_s`` seconds of the first signal are ignored: launchers (torchrun, srun) forward
    the terminal's Ctrl-C to processes that got it already. Dataloader workers ignore them.

    mmengine's ``EpochBasedTrainLoop`` restarts a resumed epoch from its first batch; this
    hook makes the sampler skip the batches the checkpoint has already trained, so the data
    order continues exactly (with :class:`RobustLoadImageFromFile` seeding augmentations
    per sample, the crops too). A streamed dataset with ``set_start_batch``
    (:class:`WebDatasetShards`) is told the batch to start at instead.

    Args:
        signals (Sequence[str | int]): Signals that stop with a checkpoint. Defaults to
            ``('SIGTERM', 'SIGINT')``.
        grace_s (float): Seconds after the first signal during which repeats are ignored.
            Defaults to 2.
    """

    priority = 'LOWEST'  # after CheckpointHook and ParamSchedulerHook

    def __init__(self, signals: Sequence = ('SIGTERM', 'SIGINT'), grace_s: float = 2.) -> None:
        self.signals = [getattr(signal, s) if isinstance(s, str) else s for s in signals]
        self.grace_s = grace_s
        self._pid = os.getpid()
        self._received: Optional[int] = None
        self._received_at = 0.
        self._previous: Dict[int, object] = {}
        self._restore = None

    # ---- signals ----------------------------------------------------------------------
    def _handler(self, signum, frame) -> None:
        if os.getpid() != self._pid:  # a dataloader worker: the main process decides
            return
        if self._received is not None:
            if time.monotonic() - self._received_at < self.grace_s:
                return  # the same stop forwarded by a launcher (torchrun, srun)
            # a second signal: behave as without the hook
            previous = self._previous.get(signum, signal.SIG_DFL)
            signal.signal(signum, previous)
            if callable(previous):
                previous(signum, frame)
            else:
                signal.raise_signal(signum)
            return
        self._received = signum
        self._received_at = time.monotonic()
        print_log(f'{signal.Signals(signum).name} received: saving a resumable checkpoint '
                  f'after this iteration (send it again after {self.grace_s:g} s to stop '
                  'without saving)',
                  logger='current', level=30)

    def before_train(self, runner) -> None:
        self._pid = os.getpid()
        if threading.current_thread() is threading.main_thread():
            for signum in self.signals:
                self._previous[signum] = signal.signal(signum, self._handler)
        else:
            print_log('InterruptHook: not in the main thread, signals are not handled',
                      logger='current', level=30)

    def after_train(self, runner) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous = {}

    def _stop_requested(self) -> bool:
        flag = torch.tensor(0 if self._received is None else self._received)
        if get_world_size() > 1:
            all_reduce(flag, op='max')
        if int(flag) and self._received is None:  # another rank got the signal
            self._received, self._received_at = int(flag), time.monotonic()
        return bool(int(flag))

    def _save_and_exit(self, runner, by_epoch: bool) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not all(torch.isfinite(p).all() for p in model.parameters()):
            raise RuntimeError('InterruptHook: the weights are not finite; not saving a '
                               'checkpoint over the good ones')
        name = f'epoch_{runner.epoch + 1}.pth' if by_epoch else f'iter_{runner.iter + 1}.pth'
        path = save_checkpoint_atomic(runner, runner.work_dir, name, by_epoch=by_epoch)
        if is_main_process():
            write_text_atomic(osp.join(runner.work_dir, 'last_checkpoint'), path)
        self.after_train(runner)
        launcher = '' if runner.launcher == 'none' else ' (through the same launcher)'
        print_log(f'Interrupted: saved {path}. Resume with{launcher}:\n  '
                  f'{resume_command(runner.work_dir)}', logger='current', level=30)
        raise TrainingInterrupted(128 + int(self._received))

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self._stop_requested():
            return
        loop = runner.train_loop
        if isinstance(loop, EpochBasedTrainLoop) and \
                (runner.iter + 1) % len(runner.train_dataloader) == 0:
            return  # last batch of the epoch: save after the epoch-end hooks
        self._save_and_exit(runner, by_epoch=False)

    # ---- exact mid-epoch resume -------------------------------------------------------
    def before_train_epoch(self, runner) -> None:
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            return
        loader = runner.train_dataloader
        done = runner.iter - runner.epoch * len(loader)  # batches of this epoch trained
        if done >= len(loader):  # never an epoch checkpoint with 0 trained iterations
            raise ResumeRefused(
                f'Cannot resume inside epoch {runner.epoch + 1}: the checkpoint has trained '
                f'{done} batches of it but an epoch now has {len(loader)}; the batch size, '
                'world size or dataset changed. Resume with the values of that run.')
        if hasattr(loader.dataset, 'set_start_batch'):  # a streamed (iterable) dataset
            loader.dataset.set_start_batch(max(done, 0))
            if done > 0:
                self._restore = (loader.dataset, None)
                print_log(f'Resuming inside epoch {runner.epoch + 1}: the dataset starts at '
                          f'its batch {done}, the earlier ones are already trained',
                          logger='current')
            return
        batch_sampler = getattr(loader, 'batch_sampler', None)
        if done <= 0 or batch_sampler is None or not hasattr(batch_sampler, 'sampler'):
            return
        self._restore = (batch_sampler, batch_sampler.sampler)
        batch_size = getattr(batch_sampler, 'batch_size', None) or loader.batch_size
        batch_sampler.sampler = _SkipFirst(batch_sampler.sampler, done * batch_size)
        print_log(f'Resuming inside epoch {runner.epoch + 1}: skipping its first {done} '
                  'batches, already trained', logger='current')

    def after_train_epoch(self, runner) -> None:
        if self._restore is not None:
            batch_sampler, sampler = self._restore
            if sampler is None:  # a streamed dataset: the next epoch starts at its start
                batch_sampler.set_start_batch(0)
            else:
                batch_sampler.sampler = sampler
            self._restore = None
        if self._stop_requested():
            self._save_and_exit(runner, by_epoch=True)
