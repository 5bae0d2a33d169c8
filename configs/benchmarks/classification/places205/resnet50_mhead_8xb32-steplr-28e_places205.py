# Multi-head linear probe (feature1 ... feature5) of a SwAV ResNet-50 on Places205, the
# published protocol: frozen backbone, BN + adaptive pooling + linear per stage, SGD lr 0.01,
# momentum 0.9, weight decay 1e-4, x0.1 at epochs 7/14/21 of 28, batch 8 x 32.
# Data: mmpretrain's Places205 layout under data/places205/ (ann_file lists, see its docs).
# Load the pretrained backbone with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_200.pth
# Repeated on purpose: the dataset and pipelines of the iNat18 config with Places205 values
# (why: there).
_base_ = ['../imagenet/resnet50_mhead_linear-8xb32-steplr-90e_in1k.py']

model = dict(
    data_preprocessor=dict(num_classes=205),
    head=dict(num_classes=205))

data_root = 'data/places205/'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='Places205',
        data_root=data_root,
        ann_file='meta/train_places205.csv',
        data_prefix='data',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='Places205',
        data_root=data_root,
        ann_file='meta/val_places205.csv',
        data_prefix='data',
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader

param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[7, 14, 21], gamma=0.1)
]
train_cfg = dict(max_epochs=28, val_interval=4)
