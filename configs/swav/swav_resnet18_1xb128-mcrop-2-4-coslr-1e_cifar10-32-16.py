# CPU quick start: SwAV on CIFAR-10 with a ResNet-18, 2 x 32 + 4 x 16 crops, batch 128.
# Data: `bash tools/prepare_cifar10.sh` (from ../shared/data, or mmpretrain's download).
_base_ = [
    '../_base_/models/swav_resnet50.py',
    '../_base_/datasets/cifar10_swav_mcrop-2-4.py',
    '../_base_/schedules/larc_coslr-200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255]),
    backbone=dict(depth=18),
    neck=dict(in_channels=512, hid_channels=512, out_channels=128),
    head=dict(
        num_prototypes=100,
        queue_length=0,
        freeze_prototypes_iters=100,
        loss=dict(num_crops=[2, 4], epsilon=0.05)))

optim_wrapper = dict(optimizer=dict(lr=0.3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=1, eta_min=3e-4, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=1))
custom_hooks = [dict(type='SwAVHook')]
