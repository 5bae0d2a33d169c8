# Copyright (c) mmswav contributors. All rights reserved.
# New-style twin of configs/_base_/schedules/larc_coslr-200e.py: SGD (momentum 0.9, wd 1e-6)
# under LARC (trust 0.001), lr 0.6 -> 0.0006 by per-iteration cosine, 200 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='LARC', lr=0.6, momentum=0.9, weight_decay=1e-6, trust_coefficient=0.001))

param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=200,
        eta_min=6e-4,
        by_epoch=True,
        begin=0,
        end=200,
        convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
auto_scale_lr = dict(base_batch_size=256, enable=False)
