# Faster R-CNN R50-C4 on VOC07+12 trainval, 24k iterations, tested on VOC07 test: the
# detection transfer protocol of MoCo / SwAV / mmselfsup. mmdet's 18k caffe-C4 recipe plus the
# change only: a pytorch-style ResNet-50 (stride on the 3x3 conv, as SwAV's torchvision
# ResNet) with SyncBN trained in every layer (nothing frozen, no norm_eval), ImageNet RGB
# normalisation, and the backbone and the res5 RoI head initialised from a converted SwAV
# checkpoint (tools/model_converters/selfsup2mmdet.py). Set it from the command line:
#   --cfg-options model.backbone.init_cfg.checkpoint=CKPT \
#                 model.roi_head.shared_head.init_cfg.checkpoint=CKPT
# (tools/benchmarks/mmdetection/train.py does both). CPU: --sync-bn-to-bn.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50-caffe-c4_ms-18k_voc0712.py'

pretrained = 'work_dirs/swav_resnet50_converted.pth'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(
        frozen_stages=-1,  # mmdet: -1 trains the stem too (0 would freeze it)
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    roi_head=dict(
        shared_head=dict(
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint=pretrained))))

max_iter = 24000
train_cfg = dict(max_iters=max_iter, val_interval=2000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_iter, by_epoch=False,
         milestones=[18000, 22000], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2000, max_keep_ckpts=2))
# mmdet's schedule is for 8 GPUs x 2 images; scale the LR when the batch differs
auto_scale_lr = dict(enable=False, base_batch_size=16)
