# Multi-crop ablation of the CPU quick start (docs/ablations.md): the quick-start recipe with
# 4 local 16 px crops (scale 0.05-0.14) added to its 2 x 32 px crops, the CIFAR analogue of the
# paper's 2 x 224 + 6 x 96 at the same number of epochs (~1.5x the compute of 2 x 32).
# Repeated on purpose: the 24-16 ablation has the same views with another global size (why:
# there).
_base_ = ['../swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py']

model = dict(head=dict(loss=dict(num_crops=[2, 4])))

global_view = [
    dict(type='FastSwAVView', size=32, scale=(0.14, 1.), jitter=(0.4, 0.4, 0.4, 0.1),
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
