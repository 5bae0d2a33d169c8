# Copyright (c) mmswav contributors. All rights reserved.
# New-style twin of configs/_base_/datasets/imagenet_swav_mcrop-2-6.py: ImageNet with the
# published multi-crop, 2 x 224 (scale 0.14-1) + 6 x 96 (0.05-0.14), by FastSwAVView.
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'

# The views: FastSwAVView is the recipe below in uint8 with OpenCV, >= 3x faster per
# worker (benchmarks/README.md); the same augmentations with mmpretrain's transforms
# are kept as `global_view_mmpretrain` / `local_view_mmpretrain` (to use them, override
# train_dataloader.dataset.pipeline with a MultiView of those two).
global_view = [dict(type='FastSwAVView', size=224, scale=(0.14, 1.))]
local_view = [dict(type='FastSwAVView', size=96, scale=(0.05, 0.14))]
# flip 0.5, ColorJitter(0.8, 0.8, 0.8, 0.2) p=0.8, grayscale p=0.2, blur 0.1-2.0 p=0.5
# are FastSwAVView's defaults; with mmpretrain's transforms:
color_distortion = [
    dict(
        type='RandomApply',
        transforms=[
            dict(type='ColorJitter', brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2)
        ],
        prob=0.8),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
]
global_view_mmpretrain = [
    dict(type='RandomResizedCrop', scale=224, crop_ratio_range=(0.14, 1.), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    *color_distortion,
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
]
local_view_mmpretrain = [
    dict(type='RandomResizedCrop', scale=96, crop_ratio_range=(0.05, 0.14), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    *color_distortion,
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
]
train_pipeline = [
    # skips + counts unreadable files; a JPEG large enough for it is decoded at 1/2-1/8 scale
    dict(type='RobustLoadImageFromFile', draft_views=[*global_view, *local_view]),
    dict(type='MultiView', num_views=[2, 6], transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mmswav.default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
