# The published SwAV recipe (official swav_200ep_bs256_pretrain.sh): ImageNet, 8 GPUs x 32,
# 2 x 224 + 6 x 96 crops, 3000 prototypes, feat 128, temperature 0.1, epsilon 0.05 x 3,
# queue 3840 from epoch 15, prototypes frozen for 5005 iterations, LARS lr 0.6 cosine,
# wd 1e-6, SyncBN, mixed precision, 200 epochs.
_base_ = [
    '../_base_/models/swav_resnet50.py',
    '../_base_/datasets/imagenet_swav_mcrop-2-6.py',
    '../_base_/schedules/larc_coslr-200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(norm_cfg=dict(type='SyncBN')),
    neck=dict(norm_cfg=dict(type='SyncBN')),
    head=dict(queue_length=3840, epoch_queue_starts=15, freeze_prototypes_iters=5005))

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
custom_hooks = [dict(type='SwAVHook')]
