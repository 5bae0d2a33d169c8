# FCN R50-D8 on Cityscapes, 512x1024 crops, 40k iterations: mmseg's recipe plus the change
# only: the plain-stem ResNet-50 of SwAV (instead of ResNetV1c's deep stem), initialised from a
# converted SwAV checkpoint (tools/model_converters/selfsup2mmdet.py). Set it with
#   --cfg-options model.backbone.init_cfg.checkpoint=CKPT
# CPU: --sync-bn-to-bn (tools/benchmarks/mmsegmentation/train.py).
# Repeated on purpose: the backbone override of the VOC12aug config, because each inherits
# its own mmseg recipe.
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-512x1024.py'

model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/swav_resnet50_converted.pth')))
