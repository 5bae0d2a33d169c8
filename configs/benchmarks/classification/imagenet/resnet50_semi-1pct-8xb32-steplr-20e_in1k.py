# Semi-supervised fine-tuning of a SwAV ResNet-50 with 1 % of the ImageNet labels, the official
# SwAV recipe (eval_semisup.py): the whole network is trained, SGD momentum 0.9 without weight
# decay, backbone lr 0.02 and head lr 5.0 (lr_mult 250), x0.2 at epochs 12 and 16 of 20,
# batch 8 x 32. The split file is written by
#   python tools/benchmarks/semi_supervised_split.py data/imagenet/meta/train.txt --percent 1 10
# (deterministic, class-balanced; or converted from SimCLR's 1percent.txt with --simclr-list).
# Load the pretrained backbone with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_200.pth
_base_ = ['./resnet50_linear-8xb32-coslr-100e_in1k.py']

model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
train_dataloader = dict(dataset=dict(split='', ann_file='meta/train_1percent.txt',
                                     data_prefix='train'))
optim_wrapper = dict(
    optimizer=dict(lr=0.02, momentum=0.9, weight_decay=0.),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=250.)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.2)
]
train_cfg = dict(max_epochs=20, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
