# CIFAR-10 (ImageFolder JPEGs, see README "Data") with a small multi-crop for CPU runs:
# 2 x 32 (scale 0.14-1) + 4 x 16 (scale 0.05-0.14), the published augmentations.
# Repeated on purpose: the view lists have the shape of imagenet_swav_mcrop-2-6.py's with
# other sizes. A shared base would make the configs that inherit this one (tests/data, the
# ablations through the quick start) three levels deep, and a base cannot take its child's
# sizes (mmengine resolves the lists before the child is read).
dataset_type = 'CustomDataset'
data_root = 'data/cifar10-jpg/'

# The views: FastSwAVView is the recipe below in uint8 with OpenCV, >= 3x faster per
# worker (benchmarks/README.md); the same augmentations with mmpretrain's transforms
# are kept as `global_view_mmpretrain` / `local_view_mmpretrain` (to use them, override
# train_dataloader.dataset.pipeline with a MultiView of those two).
global_view = [dict(type='FastSwAVView', size=32, scale=(0.14, 1.))]
local_view = [dict(type='FastSwAVView', size=16, scale=(0.05, 0.14))]
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
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.14, 1.), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    *color_distortion,
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
]
local_view_mmpretrain = [
    dict(type='RandomResizedCrop', scale=16, crop_ratio_range=(0.05, 0.14), backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    *color_distortion,
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf', prob=0.5),
]
train_pipeline = [
    dict(type='RobustLoadImageFromFile'),  # skips + counts unreadable files
    dict(type='MultiView', num_views=[2, 4], transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mmswav.default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        with_label=False,
        pipeline=train_pipeline))
