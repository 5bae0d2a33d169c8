# Copyright (c) mmswav contributors. All rights reserved.
# mmswav's registries are children of mmpretrain's, which never import the parent's lazy
# locations: import them here so every name (ResNet, LARS, transforms...) resolves.
import mmpretrain.datasets  # noqa: F401,E402  isort: skip

from .collate import default_collate  # noqa: F401
from .shards import WebDatasetShards  # noqa: F401
from .transforms import *  # noqa: F401,F403
from .unlabeled_images import UnlabeledImageDataset  # noqa: F401
