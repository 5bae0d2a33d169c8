# Copyright (c) mmswav contributors. All rights reserved.
"""Online kNN evaluation during pretraining."""
from typing import Optional, Sequence

from mmengine.dataset import default_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader

from mmswav.evaluation import build_eval_dataset, extract_features, knn_accuracy
from mmswav.evaluation.frozen_model import evenly_spaced
from mmswav.registry import HOOKS


@HOOKS.register_module()
class KNNHook(Hook):
    """Weighted kNN top-1 of the backbone's GAP features every ``interval`` epochs.

    The features of ``<data_root>/<train_prefix>`` (memory bank) and
    ``<data_root>/<test_prefix>`` (queries) are extracted in eval mode; the top-1 (%) for
    every ``k`` goes to the message hub as ``knn/top1_k<k>`` (so the logger prints it and
    the visualizer's backends store it) and is logged.

    Args:
        data_root (str): ImageFolder root, e.g. ``'data/cifar10-jpg'``.
        interval (int): Evaluate every ``interval`` epochs (and after the last). Defaults to 1.
        train_prefix (str): Memory-bank split folder. Defaults to ``'train'``.
        test_prefix (str): Query split folder. Defaults to ``'test'``.
        ks (Sequence[int]): Neighbour counts. Defaults to (10, 20, 100, 200).
        temperature (float): Voting temperature. Defaults to 0.07.
        train_subset (int): Evenly spaced memory-bank images, 0 for all. Defaults to 0.
        test_subset (int): Evenly spaced query images, 0 for all. Defaults to 0.
        batch_size (int): Extraction batch size. Defaults to 256.
        num_workers (int): Extraction dataloader workers. Defaults to 0.
        resize (int): Short-edge resize, 0 for none. Defaults to 0.
        crop (int): Centre crop, 0 for none. Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self, data_root: str, interval: int = 1, train_prefix: str = 'train',
                 test_prefix: str = 'test', ks: Sequence[int] = (10, 20, 100, 200),
                 temperature: float = 0.07, train_subset: int = 0, test_subset: int = 0,
                 batch_size: int = 256, num_workers: int = 0, resize: int = 0,
                 crop: int = 0) -> None:
        if interval < 1:
            raise ValueError(f'KNNHook interval must be >= 1 epoch, got {interval}')
        self.interval = interval
        self.ks = tuple(ks)
        self.temperature = temperature
        self.loaders = {}
        for split, prefix, subset in (('train', train_prefix, train_subset),
                                      ('test', test_prefix, test_subset)):
            dataset = evenly_spaced(build_eval_dataset(data_root, prefix, resize, crop), subset)
            self.loaders[split] = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                                             num_workers=num_workers,
                                             collate_fn=default_collate)
        self.last: Optional[dict] = None

    def after_train_epoch(self, runner) -> None:
        if not (self.every_n_epochs(runner, self.interval) or self.is_last_train_epoch(runner)):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        feats = {}
        for split, loader in self.loaders.items():
            out, labels = extract_features(model, loader, progress=False, skipped=[])
            feats[split] = (out['feature'], labels)
        model.train()
        self.last = knn_accuracy(*feats['train'], *feats['test'], ks=self.ks,
                                 temperature=self.temperature)
        for name, value in self.last.items():
            runner.message_hub.update_scalar(f'knn/{name}', value)
        runner.visualizer.add_scalars({f'knn/{k}': v for k, v in self.last.items()},
                                      step=runner.iter)
        runner.logger.info(f'Epoch {runner.epoch + 1} kNN top-1 (%): ' +
                           ', '.join(f'{k}={v:.2f}' for k, v in self.last.items()))
