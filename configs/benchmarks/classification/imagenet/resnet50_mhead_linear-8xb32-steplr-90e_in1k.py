# Multi-head linear probe of a SwAV ResNet-50 on ImageNet (the published feature1 ... feature5
# rows): frozen backbone in eval mode; each map (stem, stage1..4) -> BN -> adaptive average
# pooling to 12/6/4/3/2 -> linear; SGD lr 0.01, momentum 0.9, weight decay 1e-4, step decay
# x0.1 at epochs 30/60/90 of 90, batch 8 x 32 (mmselfsup's mhead protocol).
# Load the pretrained backbone with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_200.pth
_base_ = ['./resnet50_linear-8xb32-coslr-100e_in1k.py']

model = dict(
    backbone=dict(type='ResNetMultiStage', out_indices=(0, 1, 2, 3)),
    neck=None,
    head=dict(
        _delete_=True,
        type='MultiLinearClsHead',
        num_classes=1000,
        in_channels=(64, 256, 512, 1024, 2048),
        pool_sizes=(12, 6, 4, 3, 2),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))

val_evaluator = dict(_delete_=True, type='MultiHeadAccuracy')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
]
train_cfg = dict(max_epochs=90, val_interval=10)
