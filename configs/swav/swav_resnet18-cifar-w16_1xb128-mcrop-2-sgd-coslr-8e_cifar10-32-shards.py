# The CPU quick start (swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py: same
# model, views, optimizer and schedule; tests/test_datasets/test_webdataset_shards.py checks
# they stay equal) reading CIFAR-10 from WebDataset tar shards instead of the JPEG folder:
#   python tools/dataset_converters/images2shards.py data/cifar10-jpg/train \
#       data/cifar10-shards/train --shard-size 1000
#   python tools/train.py configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32-shards.py
# 50 shards of 1,000 on one reader: 391 batches of 128 per epoch (48 images repeated to fill
# the last batch) instead of the folder's 390 (drop_last).
_base_ = [
    '../_base_/models/swav_resnet50.py',
    '../_base_/datasets/cifar10_swav_shards.py',
    '../_base_/schedules/larc_coslr-200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255]),
    backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=18, stem_channels=16,
                  base_channels=16, out_indices=(3, ), zero_init_residual=False),
    neck=dict(in_channels=128, hid_channels=512, out_channels=128),
    head=dict(
        # more prototypes than embedding dims (128), see docs/quickstart_results.md
        num_prototypes=300,
        queue_length=0,
        freeze_prototypes_iters=50,
        loss=dict(num_crops=[2], crops_for_assign=[0, 1], epsilon=0.01)))

max_epochs = 8
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=2e-3, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=1, max_keep_ckpts=1))
custom_hooks = [dict(type='SwAVHook')]
