# The published SwAV recipe (swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py: same
# model, optimizer and schedule) reading ImageNet, or a larger collection, from WebDataset tar
# shards streamed per rank and worker (configs/_base_/datasets/imagenet_swav_shards_mcrop-2-6.py).
_base_ = [
    '../_base_/models/swav_resnet50.py',
    '../_base_/datasets/imagenet_swav_shards_mcrop-2-6.py',
    '../_base_/schedules/larc_coslr-200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(norm_cfg=dict(type='SyncBN')),
    neck=dict(norm_cfg=dict(type='SyncBN')),
    head=dict(queue_length=3840, epoch_queue_starts=15, freeze_prototypes_iters=5005))

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
custom_hooks = [dict(type='SwAVHook')]
