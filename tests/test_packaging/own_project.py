# Copyright (c) mmswav contributors. All rights reserved.
"""The configs of a user's own project (README "Use mmswav in your own project"), as text."""

R50 = 'swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py'
RACCOON = 'benchmarks/mmdetection/raccoon/faster-rcnn_r50-c4_1xb2-100it_raccoon.py'
VOC_SEG = 'benchmarks/mmsegmentation/voc12aug/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'

# SwAV pretraining of a ResNet-50 on the images of my_images/ (any layout)
PRETRAIN = f"""_base_ = 'mmswav::{R50}'

train_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(_delete_=True, type='UnlabeledImageDataset', data_root='my_images',
                 pipeline={{{{_base_.train_pipeline}}}}))
train_cfg = dict(max_epochs=2)
"""

# the same, pure Python (new-style), on one CPU process (BN, no mixed precision)
PRETRAIN_NEW_STYLE = """from mmengine.config import read_base

with read_base():
    from mmswav.configs.swav.swav_resnet50_8xb32_mcrop_2_6_coslr_200e_in1k_224_96 import *

train_dataloader.update(batch_size=8, num_workers=2)
train_dataloader.dataset = dict(type='UnlabeledImageDataset', data_root='my_images',
                                pipeline=train_pipeline)
train_cfg.max_epochs = 2
model.backbone.norm_cfg = dict(type='BN')
model.neck.norm_cfg = dict(type='BN1d')
optim_wrapper = dict(type='OptimWrapper', optimizer=optim_wrapper.optimizer)
"""

# Faster R-CNN R50-C4 on raccoon/ (Pascal VOC layout) from a converted SwAV checkpoint
DETECTION = f"""_base_ = 'mmswav::{RACCOON}'

pretrained = 'swav_r50_mmdet.pth'
norm_cfg = dict(type='BN', requires_grad=True)  # one CPU process: BN for SyncBN
model = dict(
    backbone=dict(norm_cfg=norm_cfg, init_cfg=dict(checkpoint=pretrained)),
    roi_head=dict(shared_head=dict(norm_cfg=norm_cfg, init_cfg=dict(checkpoint=pretrained))))
train_dataloader = dict(dataset=dict(data_root='raccoon/'))
test_dataloader = dict(dataset=dict(data_root='raccoon/'))
"""

# test-size runs: 2 iterations of small images, a log line each (not for the README)
TINY_DETECTION = """_base_ = './detection.py'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(192, 128), keep_ratio=True),
    dict(type='PackDetInputs')
]
train_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline))
train_cfg = dict(max_iters=2)
model = dict(train_cfg=dict(rcnn=dict(sampler=dict(num=32))))
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
"""

TINY_SEGMENTATION = f"""_base_ = 'mmswav::{VOC_SEG}'

norm_cfg = dict(type='BN', requires_grad=True)
crop = (128, 160)
model = dict(
    data_preprocessor=dict(size=crop),
    backbone=dict(norm_cfg=norm_cfg, init_cfg=dict(checkpoint='swav_r50_mmdet.pth')),
    decode_head=dict(norm_cfg=norm_cfg), auxiliary_head=dict(norm_cfg=norm_cfg))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=crop[::-1], keep_ratio=False),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='PascalVOCDataset', data_root='voc_seg',
                 data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
                 ann_file='ids.txt', pipeline=train_pipeline))
train_cfg = dict(max_iters=2, val_interval=100)
val_dataloader = None
val_cfg = None
val_evaluator = None
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
"""
