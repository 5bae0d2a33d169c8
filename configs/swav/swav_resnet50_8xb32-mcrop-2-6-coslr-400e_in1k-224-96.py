# The official small-batch SwAV recipe for 400 epochs (scripts/swav_400ep_bs256_pretrain.sh:
# 4 GPUs x 64 there, 8 x 32 here, the same total 256): as the 200-epoch config, with the cosine
# schedule over 400 epochs. Published linear top-1: 74.3.
_base_ = ['./swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py']

param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=400, eta_min=6e-4, by_epoch=True, begin=0, end=400,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=400)
