# Copyright (c) mmswav contributors. All rights reserved.
# mmswav's registries are children of mmpretrain's, which never import the parent's lazy
# locations: import them here so every name resolves.
import mmpretrain.visualization  # noqa: F401
