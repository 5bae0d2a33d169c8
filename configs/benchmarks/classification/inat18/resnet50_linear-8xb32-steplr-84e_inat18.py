# Linear evaluation of a SwAV ResNet-50 on iNaturalist 2018 (8,142 classes), as in the
# published transfer table (PIRL / SwAV protocol): frozen backbone in eval mode, GAP, linear
# layer, SGD lr 0.01 (momentum 0.9, weight decay 1e-4), x0.1 at epochs 24/48/72 of 84,
# batch 8 x 32. Data: an ImageFolder-style list file per split under data/inat18/
# (`meta/train.txt`, `meta/val.txt`: "<relative path> <label>" per line).
# Load the pretrained backbone with
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_200.pth
# Repeated on purpose: the list-file dataset and pipelines of the Places205 config with
# iNat18 values; the two inherit different probes (linear, multi-head), and a shared data
# base would clash with those (mmengine refuses a key defined in two bases).
_base_ = ['../imagenet/resnet50_linear-8xb32-coslr-100e_in1k.py']

model = dict(
    data_preprocessor=dict(num_classes=8142),
    head=dict(num_classes=8142))

data_root = 'data/inat18/'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root=data_root,
        ann_file='meta/train.txt',
        data_prefix='',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CustomDataset',
        data_root=data_root,
        ann_file='meta/val.txt',
        data_prefix='',
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[24, 48, 72], gamma=0.1)
]
train_cfg = dict(max_epochs=84, val_interval=12)
