# Multi-crop ablation of the CPU quick start at equal compute (docs/ablations.md): 2 x 24 px
# global crops + 4 x 16 px local crops cost about what 2 x 32 px cost (2*24^2 + 4*16^2 = 2176
# vs 2*32^2 = 2048 pixels per image), as the paper's 2 x 160 + 4 x 96 matches 2 x 224.
# Repeated on purpose: the views and pipeline of the 32-16 ablation with another global size.
# Inheriting that config would make this one three levels deep, and overriding global_view
# alone would not reach the pipeline (mmengine resolves the list when the base is read).
_base_ = ['../swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py']

model = dict(head=dict(loss=dict(num_crops=[2, 4])))

global_view = [
    dict(type='FastSwAVView', size=24, scale=(0.14, 1.), jitter=(0.4, 0.4, 0.4, 0.1),
         blur_prob=0.)
]
local_view = [
    dict(type='FastSwAVView', size=16, scale=(0.05, 0.14), jitter=(0.4, 0.4, 0.4, 0.1),
         blur_prob=0.)
]
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='RobustLoadImageFromFile'),
        dict(type='MultiView', num_views=[2, 4], transforms=[global_view, local_view]),
        dict(type='PackInputs'),
    ]))
