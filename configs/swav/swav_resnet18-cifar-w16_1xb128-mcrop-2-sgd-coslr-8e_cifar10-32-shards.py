# The CPU quick start (swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py,
# inherited: same model, optimizer, schedule and hooks; only the data differ, and
# tests/test_datasets/test_webdataset_shards.py checks that the views stay equal) reading
# CIFAR-10 from WebDataset tar shards (mmswav WebDatasetShards) instead of the JPEG folder:
#   python tools/dataset_converters/images2shards.py data/cifar10-jpg/train \
#       data/cifar10-shards/train --shard-size 1000
#   python tools/train.py configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32-shards.py
# 50 shards of 1,000 on one reader: 391 batches of 128 per epoch (48 images repeated to fill
# the last batch) instead of the folder's 390 (drop_last).
# The dataset needs the dataloader's batch size and worker count (its epoch length is whole
# batches per worker): set them here, not only in train_dataloader. No sampler: the dataset
# splits the shards over ranks and workers and shuffles them itself (seeded per epoch).
# Repeated on purpose: the shard dataloader has the shape of the ImageNet shard config's
# (other sizes, manifest and views); a shared base would clash with the inherited
# train_dataloader (mmengine refuses a key defined in two bases).
_base_ = ['./swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py']

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
    sampler=None,
    dataset=dict(
        _delete_=True,
        type='WebDatasetShards',
        manifest='data/cifar10-shards/train/manifest.json',
        batch_size=batch_size,
        num_workers=num_workers,
        buffer_size=5000,
        pipeline=train_pipeline))
