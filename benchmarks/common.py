# Copyright (c) mmswav contributors. All rights reserved.
"""Helpers shared by the benchmark scripts: alternating timing, medians, peak memory."""
import multiprocessing as mp
import os
import platform
import statistics
import time
from typing import Callable, Dict, List, Sequence

import torch


def machine() -> str:
    """One line describing the machine, for the README table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f if 'model name' in line)
    except (OSError, StopIteration):
        pass
    return (f'{cpu}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, '
            f'{torch.get_num_threads()} torch threads')


def alternate(runs: Dict[str, Callable[[], float]], repeats: int,
              warmup: int = 1) -> Dict[str, List[float]]:
    """Call every runner ``warmup`` times, then ``repeats`` rounds alternating the sides.

    Each runner returns the amount of work it did (images, samples, 1 for a call); the result
    holds the rate (work / second) of every measured call per side.
    """
    for _ in range(warmup):
        for fn in runs.values():
            fn()
    rates: Dict[str, List[float]] = {name: [] for name in runs}
    for r in range(repeats):
        order = list(runs.items()) if r % 2 == 0 else list(runs.items())[::-1]
        for name, fn in order:
            start = time.perf_counter()
            work = fn()
            rates[name].append(work / (time.perf_counter() - start))
    return rates


def report(rates: Dict[str, List[float]], ours: str, theirs: str, unit: str) -> float:
    """Print the medians and spread of every side and return ``median(ours) / median(theirs)``."""
    for name, values in rates.items():
        print(f'  {name:<28s} median {statistics.median(values):9.2f} {unit}  '
              f'(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})')
    ratio = statistics.median(rates[ours]) / statistics.median(rates[theirs])
    print(f'  ratio {ours} / {theirs} = {ratio:.2f}x')
    return ratio


def _rss_kib(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _peak_child(fn: Callable[[], None], queue) -> None:
    fn()  # warm-up: lazy allocations, caches
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset VmHWM (peak RSS) to the current RSS
    base = _rss_kib('VmRSS')
    fn()
    queue.put((_rss_kib('VmHWM') - base) / 1024)


def peak_rss_mib(fn: Callable[[], None]) -> float:
    """Peak resident memory added by one call of ``fn`` (after a warm-up call), in MiB.

    Runs in a forked child so the two sides do not share allocator caches.
    """
    ctx = mp.get_context('fork')
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(fn, queue))
    proc.start()
    value = queue.get()
    proc.join()
    return value


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
