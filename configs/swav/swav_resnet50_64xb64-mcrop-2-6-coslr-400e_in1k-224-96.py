# The official large-batch SwAV recipe for 400 epochs (scripts/swav_400ep_pretrain.sh): as the
# 800-epoch config, with the cosine schedule over 400 epochs.
# Repeated on purpose: the schedule of the 100/200/800-epoch configs with its own length
# (why: the 100-epoch config).
_base_ = ['./swav_resnet50_64xb64-mcrop-2-6-coslr-800e_in1k-224-96.py']

param_scheduler = [
    dict(type='LinearLR', start_factor=0.3 / 4.8, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=390, eta_min=0.0048, by_epoch=True, begin=10,
         end=400, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=400)
