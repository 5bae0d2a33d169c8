# Faster R-CNN R50-C4 on your own detection set in Pascal VOC layout, here the 200 raccoon
# photos of ../shared/data/raccoon-voc.tar.gz: a CPU-sized smoke fine-tune of a converted SwAV
# ResNet-50 (README "Pretrain on your own images"). The VOC transfer recipe of
# ../voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py with one class, one image scale that a CPU
# can train (short side 320 instead of 480-800), 128 sampled RoIs per image instead of 512,
# batch 2 with the linearly scaled LR (0.02 x 2 / 16) and 100 iterations (1.25 epochs of 160
# images). Splits are id lists:
#   ls data/raccoon/annotations | sed 's/\.xml$//' | sort -V | head -160 > data/raccoon/train.txt
#   ls data/raccoon/annotations | sed 's/\.xml$//' | sort -V | tail -40 > data/raccoon/val.txt
# Run: python tools/benchmarks/mmdetection/train.py CONFIG CKPT --sync-bn-to-bn (on CPU).
_base_ = '../voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py'

data_root = 'data/raccoon/'
classes = ('raccoon', )
scale = (512, 320)
model = dict(
    roi_head=dict(bbox_head=dict(num_classes=len(classes))),
    train_cfg=dict(rcnn=dict(sampler=dict(num=128))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
# `_scope_='mmdet'`: mmdet's dataset, also when a project inherits this config as `mmswav::...`
# (mmengine then files every top-level dict with a `type` under mmswav's registries)
voc_layout = dict(type='VOCDataset', _scope_='mmdet', data_root=data_root,
                  data_prefix=dict(sub_data_root=''), img_subdir='images',
                  ann_subdir='annotations', metainfo=dict(classes=classes))
train_dataloader = dict(
    batch_size=2,
    num_workers=1,
    dataset=dict(_delete_=True, ann_file='train.txt', pipeline=train_pipeline,
                 filter_cfg=dict(filter_empty_gt=True, min_size=8), **voc_layout))
# evaluated once, by the test run after training (R50-C4 scores ~1000 RoIs per image through
# layer4: ~25 s per image on one CPU thread); no validation during training
test_dataloader = dict(
    batch_size=2,
    num_workers=1,
    dataset=dict(_delete_=True, ann_file='val.txt', pipeline=test_pipeline, test_mode=True,
                 **voc_layout))
val_dataloader = None
val_cfg = None
val_evaluator = None

max_iter = 100
train_cfg = dict(max_iters=max_iter, val_interval=max_iter)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=25),
    dict(type='MultiStepLR', begin=0, end=max_iter, by_epoch=False, milestones=[75],
         gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.0025))
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(by_epoch=False, interval=max_iter, max_keep_ckpts=1))
