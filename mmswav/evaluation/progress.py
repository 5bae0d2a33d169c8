# Copyright (c) mmswav contributors. All rights reserved.
"""A progress bar that redraws in a terminal and prints at most ~20 lines to a log file."""
import sys
import time
from typing import Optional, TextIO

from mmengine.utils import ProgressBar


class LineProgress:
    """Progress for a non-terminal: one line per 5 % (at most 21 lines in all).

    Args:
        total (int): The number of items.
        steps (int): Lines before the last one. Defaults to 20.
        file (TextIO, optional): Where to print. Defaults to ``sys.stdout``.
    """

    def __init__(self, total: int, steps: int = 20, file: Optional[TextIO] = None) -> None:
        self.total, self.steps, self.file = max(int(total), 1), steps, file or sys.stdout
        self.done, self._printed, self._start = 0, 0, time.time()

    def update(self, num: int = 1) -> None:
        self.done += num
        step = self.done * self.steps // self.total
        if step > self._printed or self.done == self.total:
            self._printed = step
            rate = self.done / max(time.time() - self._start, 1e-9)
            print(f'[{self.done}/{self.total}] {100 * self.done / self.total:.0f}%, '
                  f'{rate:.1f} items/s', file=self.file, flush=True)


def progress_bar(total: int, file: Optional[TextIO] = None):
    """mmengine's redrawing ``ProgressBar`` in a terminal, :class:`LineProgress` otherwise
    (a log file or a pipe gets a few lines, not one redraw per item)."""
    file = file or sys.stdout
    if hasattr(file, 'isatty') and file.isatty():
        return ProgressBar(total, file=file)
    return LineProgress(total, file=file)
