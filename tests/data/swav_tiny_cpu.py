# A tiny CPU SwAV config for tests: ResNet-18, 2 x 32 + 4 x 16 crops, 10 prototypes,
# queue of 8 from epoch 1, prototypes frozen for 6 iterations. Set the data root with
# train_dataloader.dataset.data_root=<an ImageFolder> (data_prefix='').
_base_ = [
    '../../configs/_base_/models/swav_resnet50.py',
    '../../configs/_base_/datasets/cifar10_swav_mcrop-2-4.py',
    '../../configs/_base_/schedules/larc_coslr-200e.py',
    '../../configs/_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=512, hid_channels=32, out_channels=16),
    head=dict(
        feat_dim=16,
        num_prototypes=10,
        queue_length=8,
        epoch_queue_starts=1,
        freeze_prototypes_iters=6,
        loss=dict(num_crops=[2, 4])))

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root='', data_prefix=''))
optim_wrapper = dict(optimizer=dict(lr=0.1))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
custom_hooks = [dict(type='SwAVHook')]
