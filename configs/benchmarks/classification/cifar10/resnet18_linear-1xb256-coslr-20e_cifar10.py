# CPU-sized linear evaluation of the CIFAR-10 quick start's ResNet-18 (CIFAR stem, 1/4 width,
# 128-d features; for another backbone override model.backbone and model.head.in_channels): frozen
# backbone in eval mode, then BN (the feature normaliser of the official RegLog / MAE probes),
# GAP and one linear layer; SGD lr 0.3 cosine over 20 epochs on the 32 px images with flips and
# light crops. About 30 s an epoch on 2 CPU cores. Without the BN the GAP features of a short
# CPU run are not on the scale lr 0.3 expects (measured: 37.9 top-1 after 5 epochs, loss
# jumping between 3.6 and 9.5, vs the logistic regression's 57.5 on the same features).
#   python tools/train.py configs/benchmarks/classification/cifar10/resnet18_linear-1xb256-coslr-20e_cifar10.py \
#     --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/quickstart/epoch_8.pth
# The fast alternative on extracted features: tools/benchmarks/knn.py --linear.
# Repeated on purpose: the model / optimizer / pipeline shape of the ImageNet linear config
# and its train / test pipelines with CIFAR values. Inheriting the ImageNet config would
# bring in ImageNet datasets, evaluators and LR scaling that a CIFAR run must then delete.
_base_ = ['../../../_base_/default_runtime.py']

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=10,
        mean=[125.307, 122.961, 113.8575],
        std=[51.5865, 50.847, 51.255],
        to_rgb=True),
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=4,
        out_indices=(3, ),
        frozen_stages=4,
        norm_eval=True,
        norm_cfg=dict(type='BN'),
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=None,
    head=dict(
        type='MultiLinearClsHead',  # one head: BN2d -> GAP (pool size 1) -> linear
        num_classes=10,
        in_channels=(128, ),
        pool_sizes=(1, ),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=dict(type='Normal', std=0.01, layer='Linear')))

data_root = 'data/cifar10-jpg/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='mmswav.default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='mmswav.default_collate'),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='test',
                 pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.3, momentum=0.9, weight_decay=1e-6))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20, eta_min=0., by_epoch=True, begin=0, end=20)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=5, max_keep_ckpts=1))
