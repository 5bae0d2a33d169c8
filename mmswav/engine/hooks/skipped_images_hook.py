# Copyright (c) mmswav contributors. All rights reserved.
from typing import Iterator, List, Optional

import torch
from mmengine.dist import all_reduce, broadcast_object_list, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmswav.datasets.shards import WebDatasetShards
from mmswav.datasets.transforms import RobustLoadImageFromFile
from mmswav.registry import HOOKS


def find_transforms(obj, cls: type, _depth: int = 0) -> Iterator:
    """Every ``cls`` instance inside a dataset (wrappers, ``Compose``, ``MultiView``)."""
    if _depth > 8:
        return
    if isinstance(obj, cls):
        yield obj
        return
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from find_transforms(item, cls, _depth + 1)
        return
    for attr in ('dataset', 'datasets', 'pipeline', 'transforms', 'pipelines'):
        child = getattr(obj, attr, None)
        if child is not None and not isinstance(child, (dict, str)):
            yield from find_transforms(child, cls, _depth + 1)


@HOOKS.register_module()
class SkippedImagesHook(Hook):
    """Logs how many unreadable images :class:`RobustLoadImageFromFile` (or
    :class:`WebDatasetShards`) skipped.

    Every iteration ``train/skipped_images`` (this rank's total) goes to the message hub, so
    it is in the log and every visualizer backend; after every epoch a line gives the
    epoch's count summed over ranks. It also gives the loaders the epoch and rank 0's seed
    for their per-sample augmentation seeds.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._loaders: List[RobustLoadImageFromFile] = []
        self._seed = 0
        self._at_epoch_start = 0

    def _total(self) -> int:
        return sum(t.num_skipped for t in self._loaders)

    def before_train(self, runner) -> None:
        self._loaders = list(find_transforms(runner.train_dataloader.dataset,
                                             (RobustLoadImageFromFile, WebDatasetShards)))
        seed = [runner.seed if runner.seed is not None else 0]
        if get_world_size() > 1:  # the same augmentation seeds on every rank
            broadcast_object_list(seed, src=0)
        self._seed = int(seed[0])
        if not self._loaders:
            print_log('SkippedImagesHook: the training pipeline has no '
                      'RobustLoadImageFromFile; unreadable images are not counted',
                      logger='current', level=30)

    def before_train_epoch(self, runner) -> None:
        for loader in self._loaders:
            loader.set_epoch(runner.epoch, self._seed)
        self._at_epoch_start = self._total()

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if self._loaders:
            runner.message_hub.update_scalar('train/skipped_images', self._total())

    def after_train_epoch(self, runner) -> None:
        if not self._loaders:
            return
        skipped = torch.tensor(self._total() - self._at_epoch_start)
        if get_world_size() > 1:
            all_reduce(skipped, op='sum')
        if not int(skipped):
            return  # nothing to report
        print_log(f'Epoch {runner.epoch + 1}: {int(skipped)} unreadable image(s) skipped '
                  '(named in the warnings above; set skip_unreadable=False in '
                  'RobustLoadImageFromFile to stop on the first one)', logger='current',
                  level=30)
