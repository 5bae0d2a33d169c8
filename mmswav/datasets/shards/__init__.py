# Copyright (c) mmswav contributors. All rights reserved.
from .dataset import WebDatasetShards
from .manifest import load_manifest, plan_epoch, samples_per_slot

__all__ = ['WebDatasetShards', 'load_manifest', 'plan_epoch', 'samples_per_slot']
