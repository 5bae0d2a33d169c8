# Copyright (c) mmswav contributors. All rights reserved.
# mmswav's registries are children of mmpretrain's, which never import the parent's lazy
# locations: import them here so every name (ResNet, LARS, transforms...) resolves.
import mmpretrain.engine  # noqa: F401,E402  isort: skip

from mmswav.utils.checkpoint import allow_mmengine_checkpoints  # noqa: E402

from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403

# resume / load_from of mmengine checkpoints under torch >= 2.6 (see mmswav.utils.checkpoint)
allow_mmengine_checkpoints()
