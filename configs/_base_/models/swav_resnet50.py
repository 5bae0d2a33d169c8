# SwAV ResNet-50 as in the official code: plain ResNet-50 stem, 2048-2048-128 projection with
# BN, 3000 prototypes, temperature 0.1, Sinkhorn epsilon 0.05 x 3 iterations.
# Repeated on purpose: the backbone dict of every ResNet-50 config (SwAV, the linear and
# multi-head probes) is spelled out in each, so that a probe config shows what it loads
# without following a chain into the pretraining model.
model = dict(
    type='SwAV',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        # the official normalisation (src/multicropdataset.py, eval_linear.py): mean
        # [0.485, 0.456, 0.406], std [0.228, 0.224, 0.225] x 255 (torchvision's red std is 0.229)
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
