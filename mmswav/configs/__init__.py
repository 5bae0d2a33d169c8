# Copyright (c) mmswav contributors. All rights reserved.
"""Pure-Python (mmengine "new-style") twins of SwAV pretraining configs, importable from an
installed mmswav inside ``read_base()`` (a new-style config cannot inherit an old-style one
with ``_base_``, nor the reverse)::

    from mmengine.config import read_base
    with read_base():
        from mmswav.configs.swav.swav_resnet50_8xb32_mcrop_2_6_coslr_200e_in1k_224_96 import *

Each file names the old-style config of ``configs/`` it mirrors, and
tests/test_configs_new_style.py checks that both load to the same settings.

Types stay registry names (``type='SwAV'``), not imported classes: mmswav's tools read
configs by those names (``--sync-bn-to-bn`` looks for ``'SyncBN'``, the CPU fallback of
``tools/train.py`` for ``'AmpOptimWrapper'``, the reliability hooks for ``'SwAVHead'``...),
and a class there would silently skip them.
"""
