# The published SwAV recipe (swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py,
# inherited: same model, multi-crop views, optimizer and schedule) reading ImageNet, or any
# larger collection, from WebDataset tar shards streamed per rank and worker. Make the shards
# once (about 1,000 images / 100-150 MB per shard):
#   python tools/dataset_converters/images2shards.py data/imagenet/train \
#       data/imagenet-shards/train --shard-size 1000 --workers 16
# 1,282 shards of 1,000 over 8 ranks x 8 workers: every reader gets 20 or 21 shards, so an
# epoch repeats up to ~62k samples (4.8 %, logged); 1,280 shards of ~1,001 make it exact.
# The dataset needs the dataloader's batch size and worker count: set them here. No sampler:
# the dataset splits the shards over ranks and workers and shuffles them itself.
# Repeated on purpose: the shard dataloader of the CIFAR shard config with other values (why:
# there).
_base_ = ['./swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py']

batch_size = 32
num_workers = 8
global_view = [dict(type='FastSwAVView', size=224, scale=(0.14, 1.))]
local_view = [dict(type='FastSwAVView', size=96, scale=(0.05, 0.14))]
train_pipeline = [
    dict(type='MultiView', num_views=[2, 6], transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=num_workers,
    sampler=None,
    dataset=dict(
        _delete_=True,
        type='WebDatasetShards',
        manifest='data/imagenet-shards/train/manifest.json',
        batch_size=batch_size,
        num_workers=num_workers,
        buffer_size=5000,
        draft_views=[*global_view, *local_view],  # large JPEGs decoded at the crops' scale
        pipeline=train_pipeline))
