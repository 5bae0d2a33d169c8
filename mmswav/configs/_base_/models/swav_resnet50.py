# Copyright (c) mmswav contributors. All rights reserved.
# New-style twin of configs/_base_/models/swav_resnet50.py: plain ResNet-50, 2048-2048-128
# projection with BN, 3000 prototypes, temperature 0.1, Sinkhorn epsilon 0.05 x 3.
model = dict(
    type='SwAV',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.14, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        norm_cfg=dict(type='BN'),
        zero_init_residual=False),
    neck=dict(
        type='SwAVNeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        num_layers=2,
        with_avg_pool=True,
        norm_cfg=dict(type='BN1d')),
    head=dict(
        type='SwAVHead',
        feat_dim=128,
        num_prototypes=3000,
        queue_length=0,
        epoch_queue_starts=15,
        freeze_prototypes_iters=0,
        loss=dict(
            type='SwAVLoss',
            num_crops=[2, 6],
            crops_for_assign=[0, 1],
            temperature=0.1,
            epsilon=0.05,
            sinkhorn_iterations=3)))
