# Published-style CIFAR-10 run for GPU users: the lightly benchmark setting whose SwAV row
# reports kNN top-1 84.2 (ResNet-18, batch 512, 200 epochs). ResNet-18 with the CIFAR stem
# (3x3 conv, stride 1, no max-pool), 2 x 32 px crops (scale 0.14-1), colour jitter 0.4/0.4/0.4/0.1,
# no blur; 512-512-128 projection, 512 prototypes, prototypes frozen for the first epoch, no
# queue; SGD lr 0.24 (0.06 x 512 / 128), momentum 0.9, weight decay 5e-4, cosine to 0.
# Online kNN (cosine, tau 0.07, k=200) on the 10,000 test images every 10 epochs.
# Not run here (no GPU): about 1 h on one modern GPU.
#   python tools/train.py configs/swav/swav_resnet18-cifar_1xb512-mcrop-2-coslr-200e_cifar10-32.py
# Repeated on purpose: the CIFAR-stem model lines of the CPU quick start. A published recipe
# should not follow the quick start, which is re-tuned for CPU minutes.
_base_ = [
    '../_base_/models/swav_resnet50.py',
    '../_base_/datasets/cifar10_swav_mcrop-2-4.py',
    '../_base_/schedules/larc_coslr-200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255]),
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18, out_indices=(3, ),
                  zero_init_residual=False),
    neck=dict(in_channels=512, hid_channels=512, out_channels=128),
    head=dict(
        num_prototypes=512,
        queue_length=0,
        freeze_prototypes_iters=97,
        loss=dict(num_crops=[2], crops_for_assign=[0, 1], epsilon=0.05)))

view = [
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.14, 1.), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomApply',
         transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4,
                          hue=0.1)],
         prob=0.8),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
]
train_dataloader = dict(
    batch_size=512,
    num_workers=8,
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='MultiView', num_views=[2], transforms=[view]),
        dict(type='PackInputs'),
    ]))

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.24, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=200, eta_min=0., by_epoch=True, begin=0, end=200,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=200)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=10, max_keep_ckpts=2))
custom_hooks = [
    dict(type='SwAVHook'),
    dict(type='KNNHook', data_root='data/cifar10-jpg', interval=10, ks=(20, 200),
         num_workers=4),
]
