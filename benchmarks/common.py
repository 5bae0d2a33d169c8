# Copyright (c) mmswav contributors. All rights reserved.
"""Helpers shared by the benchmark scripts: alternating timing, medians, peak memory."""
import ctypes
import os
import platform
import statistics
import time
from typing import Callable, Dict, List, Sequence

import torch

CPU = ' [CPU time]'


def load() -> str:
    """The 1-minute load average: how busy the shared cores were."""
    try:
        return f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs'
    except OSError:
        return 'load average unknown'


def machine() -> str:
    """One line describing the machine, for the README table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f if 'model name' in line)
    except (OSError, StopIteration):
        pass
    return (f'{cpu}{cpu_flags()}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, '
            f'{torch.get_num_threads()} torch threads, {load()}')


def cpu_flags() -> str:
    """The CPU family / model and the flags that decide the fast numerics (bf16 / AMX)."""
    info = {}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                info.setdefault(key.strip(), value.strip())
    except OSError:
        return ''
    wanted = ('avx512f', 'avx512_bf16', 'avx512_fp16', 'amx_bf16', 'amx_tile')
    flags = [f for f in wanted if f in info.get('flags', '').split()]
    return (f' (family {info.get("cpu family", "?")} model {info.get("model", "?")}; '
            f'{" ".join(flags) or "no AVX-512"})')


def alternate(runs: Dict[str, Callable[[], float]], repeats: int,
              warmup: int = 1) -> Dict[str, List[float]]:
    """Call every runner ``warmup`` times, then ``repeats`` rounds alternating the sides.

    Each runner returns the amount of work it did (images, samples, 1 for a call); the result
    holds the rate (work / second) of every measured call per side: ``name`` by wall-clock
    time and ``name + CPU`` by this process's CPU time (less sensitive to other processes
    sharing the cores; equal to the wall-clock rate on an idle machine with one thread).
    """
    for _ in range(warmup):
        for fn in runs.values():
            fn()
    rates: Dict[str, List[float]] = {name + suffix: [] for name in runs
                                     for suffix in ('', CPU)}
    for r in range(repeats):
        order = list(runs.items()) if r % 2 == 0 else list(runs.items())[::-1]
        for name, fn in order:
            start, start_cpu = time.perf_counter(), time.process_time()
            work = fn()
            rates[name + CPU].append(work / (time.process_time() - start_cpu))
            rates[name].append(work / (time.perf_counter() - start))
    return rates


def report(rates: Dict[str, List[float]], ours: str, theirs: str, unit: str,
           rows: bool = True) -> float:
    """Print the medians and spread of every side and the ratio ``median(ours) /
    median(theirs)`` by wall-clock and by CPU time; return the wall-clock ratio."""
    for name, values in (rates.items() if rows else ()):
        print(f'  {name:<36s} median {statistics.median(values):9.2f} {unit}  '
              f'(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})')
    for suffix in ('', CPU):
        if ours + suffix in rates and theirs + suffix in rates:
            ratio = (statistics.median(rates[ours + suffix]) /
                     statistics.median(rates[theirs + suffix]))
            print(f'  ratio {ours} / {theirs}{suffix or " (wall clock)"} = {ratio:.2f}x')
    return statistics.median(rates[ours]) / statistics.median(rates[theirs])


def _rss_kib(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def fixed_mmap_threshold(threshold: int = 1 << 16) -> None:
    """Make glibc return every block >= ``threshold`` bytes to the OS on free (no dynamic
    threshold), so that the peak RSS of a call measures its tensors, not allocator caches."""
    try:
        ctypes.CDLL('libc.so.6').mallopt(-3, threshold)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def peak_rss_mib(fn: Callable[[], None]) -> float:
    """Peak resident memory added by one call of ``fn`` (after a warm-up call), in MiB.

    Resets the kernel's peak-RSS counter (``/proc/self/clear_refs``), then reads ``VmHWM``
    after the call. Call :func:`fixed_mmap_threshold` first for honest figures.
    """
    fn()  # warm-up: lazy allocations, caches
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset VmHWM (peak RSS) to the current RSS
    base = _rss_kib('VmRSS')
    fn()
    return (_rss_kib('VmHWM') - base) / 1024


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
