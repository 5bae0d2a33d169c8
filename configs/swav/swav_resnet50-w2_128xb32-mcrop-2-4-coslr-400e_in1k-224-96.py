# SwAV on a 2x wide ResNet-50 (scripts/swav_RN50w2_400ep_pretrain.sh): every stage twice as
# wide (stem 128 channels, 4096-d output; mmpretrain's ResNet stem_channels / base_channels
# express it, the same keys as the official resnet50w2), projection 4096-8192-128, 2 x 224 + 4 x 96
# crops, 128 GPUs x 32 = 4096, no queue, large-batch LARS schedule, 400 epochs.
# Published linear top-1: 77.3.
# Repeated on purpose: the RN50-w4/w5 configs override the same keys with their own widths
# and crops (the official scripts differ in each).
_base_ = ['./swav_resnet50_64xb64-mcrop-2-6-coslr-400e_in1k-224-96.py']

model = dict(
    backbone=dict(stem_channels=128, base_channels=128),
    neck=dict(in_channels=4096, hid_channels=8192),
    head=dict(loss=dict(num_crops=[2, 4])))
train_pipeline = [
    dict(type='RobustLoadImageFromFile'),
    dict(type='MultiView', num_views=[2, 4],
         transforms=[[dict(type='FastSwAVView', size=224, scale=(0.14, 1.))],
                     [dict(type='FastSwAVView', size=96, scale=(0.05, 0.14))]]),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
