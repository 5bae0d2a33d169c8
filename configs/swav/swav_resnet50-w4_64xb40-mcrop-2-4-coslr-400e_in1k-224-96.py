# SwAV on a 4x wide ResNet-50 (scripts/swav_RN50w4_400ep_pretrain.sh): stem 256 channels,
# 8192-d output, projection 8192-8192-128, 2 x 224 (scale 0.08-1) + 4 x 96 (0.08-0.14) crops,
# 64 GPUs x 40 = 2560, queue 2560 from epoch 0, large-batch LARS schedule, 400 epochs.
# Published linear top-1: 77.9.
# Repeated on purpose: the same keys as the RN50-w2 config with other widths and crop scales.
_base_ = ['./swav_resnet50-w2_128xb32-mcrop-2-4-coslr-400e_in1k-224-96.py']

model = dict(
    backbone=dict(stem_channels=256, base_channels=256),
    neck=dict(in_channels=8192, hid_channels=8192),
    head=dict(queue_length=2560, epoch_queue_starts=0))
train_pipeline = [
    dict(type='RobustLoadImageFromFile'),
    dict(type='MultiView', num_views=[2, 4],
         transforms=[[dict(type='FastSwAVView', size=224, scale=(0.08, 1.))],
                     [dict(type='FastSwAVView', size=96, scale=(0.08, 0.14))]]),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=40, dataset=dict(pipeline=train_pipeline))
auto_scale_lr = dict(base_batch_size=2560)
