# CIFAR-10 training images streamed from WebDataset tar shards (mmswav WebDatasetShards),
# the same views as the quick start. Make the shards once:
#   python tools/dataset_converters/images2shards.py data/cifar10-jpg/train \
#       data/cifar10-shards/train --shard-size 1000
# The dataset needs the dataloader's batch size and worker count (its epoch length is whole
# batches per worker): set them here, not only in train_dataloader. No sampler: the dataset
# splits the shards over ranks and workers and shuffles them itself (seeded per epoch).
batch_size = 128
num_workers = 1
view = [
    dict(type='FastSwAVView', size=32, scale=(0.14, 1.), jitter=(0.4, 0.4, 0.4, 0.1),
         blur_prob=0.)
]
train_pipeline = [
    dict(type='MultiView', num_views=[2], transforms=[view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=num_workers,
    persistent_workers=True,
    drop_last=True,
    sampler=None,
    collate_fn=dict(type='mmswav.default_collate'),
    dataset=dict(
        type='WebDatasetShards',
        manifest='data/cifar10-shards/train/manifest.json',
        batch_size=batch_size,
        num_workers=num_workers,
        buffer_size=5000,
        pipeline=train_pipeline))
