# Copyright (c) mmswav contributors. All rights reserved.
# New-style twin of configs/swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py: the
# published SwAV recipe (ImageNet, 8 GPUs x 32, 2 x 224 + 6 x 96 crops, queue 3840 from epoch
# 15, prototypes frozen for 5005 iterations, SyncBN, mixed precision, 200 epochs).
from mmengine.config import read_base

with read_base():
    from .._base_.datasets.imagenet_swav_mcrop_2_6 import *
    from .._base_.default_runtime import *
    from .._base_.models.swav_resnet50 import *
    from .._base_.schedules.larc_coslr_200e import *

model.backbone.norm_cfg = dict(type='SyncBN')
model.neck.norm_cfg = dict(type='SyncBN')
model.head.update(queue_length=3840, epoch_queue_starts=15, freeze_prototypes_iters=5005)

optim_wrapper.update(type='AmpOptimWrapper', loss_scale='dynamic')
custom_hooks = [dict(type='SwAVHook')]
