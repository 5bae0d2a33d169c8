# Semi-supervised fine-tuning with 10 % of the CIFAR-10 labels (5,000 images, 500 per class):
# the 1 % config's recipe with the official 10 % learning rates, backbone 0.01 and head x20
# (0.2), batch 128 for 20 epochs (the official epoch count; 800 iterations, 100,000 training
# images seen; goal: <= ~10 min on one CPU core, estimated ~8 min from the measured 4.1 ms
# of CPU per image forward + backward), x0.2 at epochs 12 and 16 (as official).
# See the 1 % config for the split, the checkpoint / random-init commands and the driver.
_base_ = ['./resnet18_semi-1pct-1xb64-steplr-50e_cifar10.py']

max_epochs = 20
train_dataloader = dict(batch_size=128, dataset=dict(ann_file='meta/train_10percent.txt'))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=20.)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.2)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(checkpoint=dict(interval=5))
