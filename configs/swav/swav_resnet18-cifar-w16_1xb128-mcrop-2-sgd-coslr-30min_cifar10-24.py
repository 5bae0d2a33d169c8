# CPU quick start re-tuned for a time budget (the default of `tools/quickstart.sh`, which fits
# the epochs to QS_MINUTES, default 30): the 32 px quick start with two changes, each chosen
# by a measured trial at equal pretraining time (seed 0, 2 threads, bf16 + channels_last, the
# 2-core AMD EPYC; docs/quickstart_results.md "Re-tuning for the budget"):
# - 2 x 24 px crops (scale 0.14-1) instead of 2 x 32 px: an epoch takes 1.83 instead of
#   2.4-2.7 minutes, and 7 epochs of 24 px (12.8 min) gave kNN k=200 51.68 vs 50.06 for 6 of
#   32 px (14.5 min). kNN and linear evaluation still see the 32 px test images.
# - a projector hidden layer of 2048 (was 512): 53.01 vs 51.68 at 7 epochs of 24 px, at no
#   measurable cost (12.8 min both).
# - weight decay 5e-4 (was 1e-5): 54.40 vs 53.01 at 7 epochs; 1e-3 gave 54.63, a tie within
#   the seed spread (0.5-1.6), so the usual CIFAR value was kept.
# Tried and not taken: batch 64 with lr 0.1 (49.38 at 6 epochs), lr 0.4 (49.06), batch 256
# with lr 0.4 and wd 5e-4 (53.58 at 7 epochs, 2 % less wall time than batch 128).
# Result, `bash tools/quickstart.sh` (QS_MINUTES=30): kNN k=200 61.41 (seed 0, 15 epochs,
# 28.4 min) and 61.40 (seed 1, 14 epochs, 27.0 min); with weight decay 1e-5 it was 58.05.
# Repeated on purpose: the view list of the 32 px config with another size (mmengine resolves
# the pipeline list when the base is read, so overriding `view` alone would not reach it).
_base_ = ['./swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py']

model = dict(neck=dict(hid_channels=2048))
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))

view = [
    dict(type='FastSwAVView', size=24, scale=(0.14, 1.), jitter=(0.4, 0.4, 0.4, 0.1),
         blur_prob=0.)
]
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='RobustLoadImageFromFile'),  # skips + counts unreadable files
        dict(type='MultiView', num_views=[2], transforms=[view]),
        dict(type='PackInputs'),
    ]))
