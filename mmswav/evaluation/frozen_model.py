# Copyright (c) mmswav contributors. All rights reserved.
"""The frozen model of the evaluation tools (kNN, SVM): a config's model with its seeded
random initialisation or a checkpoint, and the deterministic subsets they evaluate on."""
import os.path as osp

import numpy as np
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import load_checkpoint
from mmengine.runner.utils import set_random_seed
from torch.utils.data import Dataset, Subset

from mmswav.registry import MODELS


def init_weights_quietly(model: nn.Module) -> None:
    """``model.init_weights()`` without its log line per parameter."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)


def build_frozen_model(cfg: Config, checkpoint: str, seed: int) -> nn.Module:
    """``cfg.model`` with the weights of ``checkpoint``, or its random initialisation.

    Args:
        cfg (Config): A config with a ``model`` (e.g. the pretraining config).
        checkpoint (str): A checkpoint file, or ``'random'`` for the random initialisation.
        seed (int): Seed of the random initialisation (set before building either way).

    Raises:
        FileNotFoundError: ``checkpoint`` is neither ``'random'`` nor a file.
    """
    set_random_seed(seed)
    model = MODELS.build(cfg.model)
    if checkpoint == 'random':
        init_weights_quietly(model)
    else:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
        load_checkpoint(model, checkpoint, map_location='cpu', logger='current')
    return model


def evenly_spaced(dataset: Dataset, n: int) -> Dataset:
    """Every ``len / n``-th sample of ``dataset`` (deterministic); all of it when ``n`` is 0
    or not below its length."""
    if not n or n >= len(dataset):
        return dataset
    step = len(dataset) / n
    return Subset(dataset, [int(i * step) for i in range(n)])


def balanced_indices(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n // num_classes`` seeded random indices of every class, sorted; all if ``n`` is 0
    or not below ``len(labels)``.

    Raises:
        ValueError: ``n`` is smaller than the number of classes.
    """
    if not n or n >= len(labels):
        return np.arange(len(labels))
    classes = np.unique(labels)
    if n < len(classes):
        raise ValueError(f'a subset of {n} images cannot hold the {len(classes)} classes')
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate(
        [rng.permutation(np.flatnonzero(labels == c))[:n // len(classes)] for c in classes]))
