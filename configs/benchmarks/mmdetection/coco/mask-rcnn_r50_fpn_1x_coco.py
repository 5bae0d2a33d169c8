# Mask R-CNN R50-FPN on COCO, 1x schedule: mmdet's recipe plus the change only: SyncBN in the
# backbone, FPN and RoI heads (4conv1fc box head, as the MoCo / SwAV protocol), nothing frozen,
# no norm_eval, and the backbone initialised from a converted SwAV checkpoint
# (tools/model_converters/selfsup2mmdet.py). Set it from the command line:
#   --cfg-options model.backbone.init_cfg.checkpoint=CKPT
# CPU: --sync-bn-to-bn (tools/benchmarks/mmdetection/train.py).
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        frozen_stages=-1,  # mmdet: -1 trains the stem too (0 would freeze it)
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/swav_resnet50_converted.pth')),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=256,
                       norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))
