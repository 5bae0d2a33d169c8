# Semi-supervised fine-tuning with 10 % of the ImageNet labels (official SwAV recipe): backbone
# lr 0.01 and head lr 0.2 (lr_mult 20), no weight decay, x0.2 at epochs 12 and 16 of 20.
# Split file: tools/benchmarks/semi_supervised_split.py (see the 1 % config).
_base_ = ['./resnet50_semi-1pct-8xb32-steplr-20e_in1k.py']

train_dataloader = dict(dataset=dict(ann_file='meta/train_10percent.txt'))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=20.)}))
