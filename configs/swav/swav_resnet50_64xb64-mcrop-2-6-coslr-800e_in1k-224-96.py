# The official large-batch SwAV recipe (facebookresearch/swav scripts/swav_800ep_pretrain.sh):
# ImageNet, 64 GPUs x 64 = 4096, 2 x 224 + 6 x 96 crops, 3000 prototypes, no queue, prototypes
# frozen for 313 iterations, LARS lr 4.8 (linear warm-up from 0.3 over 10 epochs, then cosine
# to 0.0048), wd 1e-6, SyncBN, mixed precision, 800 epochs. Published linear top-1: 75.3.
_base_ = ['./swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py']

model = dict(head=dict(queue_length=0, freeze_prototypes_iters=313))
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(lr=4.8))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.3 / 4.8, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=790, eta_min=0.0048, by_epoch=True, begin=10,
         end=800, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=800)
auto_scale_lr = dict(base_batch_size=4096)
