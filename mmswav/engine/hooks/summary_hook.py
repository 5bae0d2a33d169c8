# Copyright (c) mmswav contributors. All rights reserved.
import os.path as osp
import time
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmswav.package_files import tool_path
from mmswav.registry import HOOKS


@HOOKS.register_module()
class TrainingSummaryHook(Hook):
    """Ends training with a summary: the last checkpoint, the time taken, and the next
    commands (kNN evaluation, conversion for mmdet / mmseg / mmpretrain), naming the tools as
    the current folder reaches them (a clone's ``tools/...``, else the installed ``.mim`` copy).

    ``tools/train.py`` adds it to every run.

    Args:
        data_root (str, optional): The training data, for the kNN command. Defaults to None
            (``<data_root>`` placeholder).
    """

    priority = 'LOWEST'

    def __init__(self, data_root: Optional[str] = None) -> None:
        self.data_root = data_root
        self._start = time.time()

    def before_train(self, runner) -> None:
        self._start = time.time()

    def after_train(self, runner) -> None:
        if not is_main_process():
            return
        minutes = (time.time() - self._start) / 60
        ckpt = runner.message_hub.get_info('last_ckpt')
        config = getattr(runner.cfg, 'filename', None) or 'CONFIG'
        backbone = runner.cfg.get('model', {}).get('backbone', {})
        plain = (backbone.get('type') == 'ResNet' and backbone.get('base_channels', 64) == 64
                 and backbone.get('depth') in (18, 34, 50, 101, 152))
        root = self.data_root
        if not (root and all(osp.isdir(osp.join(root, s)) for s in ('train', 'test'))):
            root = '<labelled ImageFolder with train/ and test/>'  # e.g. --data was unlabelled
        lines = [f'Training finished: {runner.iter} iterations, {runner.epoch} epoch(s) in '
                 f'{minutes:.1f} min; work dir {osp.abspath(runner.work_dir)}']
        if not ckpt:
            lines.append('No checkpoint was saved (see default_hooks.checkpoint).')
        else:
            knn = tool_path('tools/benchmarks/knn.py')
            extract = tool_path('tools/model_converters/extract_backbone_weights.py')
            lines += [
                f'Last checkpoint: {ckpt}', 'Next steps:',
                f'  kNN of its features (an ImageFolder with train/ and test/ splits):\n'
                f'    python {knn} {config} --checkpoints random {ckpt} '
                f'--data-root {root}',
            ]
            if plain:
                converter = tool_path('tools/model_converters/selfsup2mmdet.py')
                lines.append(f'  backbone for mmdet / mmseg:\n    python {converter} '
                             f'{ckpt} backbone_mmdet.pth '
                             f'--arch resnet{backbone["depth"]}')
            lines += [
                f'  backbone weights (any architecture, keys "backbone.*"):\n'
                f'    python {extract} {ckpt} backbone.pth',
            ]
        print_log('\n'.join(lines), logger='current')
