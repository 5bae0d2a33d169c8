# The official large-batch SwAV recipe for 100 epochs (scripts/swav_100ep_pretrain.sh): as the
# 800-epoch config, with the cosine schedule over 100 epochs.
# Repeated on purpose: the 100/200/400-epoch configs differ from the 800-epoch one only in the
# schedule, which mmengine cannot take from a variable of the child: each spells it out.
_base_ = ['./swav_resnet50_64xb64-mcrop-2-6-coslr-800e_in1k-224-96.py']

param_scheduler = [
    dict(type='LinearLR', start_factor=0.3 / 4.8, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=90, eta_min=0.0048, by_epoch=True, begin=10,
         end=100, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=100)
