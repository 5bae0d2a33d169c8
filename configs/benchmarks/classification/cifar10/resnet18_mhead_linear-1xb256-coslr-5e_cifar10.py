# Multi-head linear probe on feature1 ... feature5 (stem, stage1..4) of the CIFAR-10 quick
# start's ResNet-18 (CIFAR stem, width 16): the ImageNet mhead protocol
# (resnet50_mhead_linear-8xb32-steplr-90e_in1k.py) at 32 px. Frozen backbone in eval mode;
# each map -> BN -> adaptive average pooling -> linear layer, the five losses summed.
# Maps at 32 px: 16x32x32, 16x32x32, 32x16x16, 64x8x8, 128x4x4; pooled to 8/8/6/4/2 ->
# 1024/1024/1152/1024/512 dims (ImageNet: 12/6/4/3/2 on 56/56/28/14/7 maps, ~9k dims each; a
# 12x12 pool of the 16-channel stem would give 2,304 dims but only 16 channels of signal).
# CPU-sized schedule (goal: <= ~10 min on one core, every epoch is a frozen forward pass of
# the 50,000 training images): 5 epochs, batch 256, SGD lr 0.05 (momentum 0.9, wd 1e-4)
# cosine to 0 (ImageNet: lr 0.01 step decay over 90 epochs; on BN-normalised ~1k-dim
# features lr 0.05 / batch 256 is the per-sample step of the CIFAR linear config's
# lr 0.3 on 128 dims, scaled down by the dimension), CIFAR augmentation (crop + flip).
# Estimated ~10 min with OMP_NUM_THREADS=1 (measured: 1.8 ms of CPU per image for the frozen
# forward + 5 heads, 0.27 ms per JPEG decode; 6 epochs would be ~12 min).
# Top-1 of every head on the 10,000 test images (mhead/head1_top1 ... head5_top1).
#   python tools/train.py THIS_CONFIG --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/quickstart/epoch_8.pth
#   python tools/train.py THIS_CONFIG --cfg-options model.backbone.init_cfg=None   # random init
# Repeated on purpose: the multi-head model of the ImageNet mhead config with CIFAR widths
# and pools (why: the CIFAR linear config's header).
_base_ = ['./resnet18_linear-1xb256-coslr-20e_cifar10.py']

max_epochs = 5
model = dict(
    # zero_init_residual=False: random init as the quick start's (see the semi-supervised
    # configs); a checkpoint overwrites every weight
    backbone=dict(type='ResNetCIFARMultiStage', out_indices=(0, 1, 2, 3),
                  zero_init_residual=False),
    head=dict(
        _delete_=True,
        type='MultiLinearClsHead',
        num_classes=10,
        in_channels=(16, 16, 32, 64, 128),
        pool_sizes=(8, 8, 6, 4, 2),
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=dict(type='Normal', std=0.01, layer='Linear')))

val_evaluator = dict(_delete_=True, type='MultiHeadAccuracy')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0., by_epoch=True, begin=0,
         end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=1))
