# FCN R50-D8 on PASCAL VOC 2012 + aug, 512x512, 20k iterations: mmseg's recipe plus the change
# only: the plain-stem ResNet-50 of SwAV (mmseg's default ResNetV1c has a deep 3-conv stem whose
# weights a SwAV checkpoint does not have), initialised from a converted SwAV checkpoint
# (tools/model_converters/selfsup2mmdet.py) instead of open-mmlab://resnet50_v1c. SyncBN,
# nothing frozen and no norm_eval are mmseg's defaults already. Set the checkpoint with
#   --cfg-options model.backbone.init_cfg.checkpoint=CKPT
# CPU: --sync-bn-to-bn (tools/benchmarks/mmsegmentation/train.py).
# Repeated on purpose: the backbone override of the Cityscapes config (each inherits its own
# mmseg recipe).
_base_ = 'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py'

model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/swav_resnet50_converted.pth')))
