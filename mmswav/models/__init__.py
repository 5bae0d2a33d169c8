# Copyright (c) mmswav contributors. All rights reserved.
# mmswav's registries are children of mmpretrain's, which never import the parent's lazy
# locations: import them here so every name (ResNet, LARS, transforms...) resolves.
import mmpretrain.models  # noqa: F401,E402  isort: skip

from .algorithms import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403
