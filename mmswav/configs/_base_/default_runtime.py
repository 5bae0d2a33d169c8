# Copyright (c) mmswav contributors. All rights reserved.
# New-style twin of configs/_base_/default_runtime.py (types stay registry names: see
# mmswav/configs/__init__.py).
import sys

default_scope = 'mmswav'
# mmengine reads this for old-style configs only; kept so that both styles hold the same keys
custom_imports = dict(
    imports=['mmswav.datasets', 'mmswav.engine', 'mmswav.evaluation', 'mmswav.models',
             'mmswav.visualization'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo (and logs it) when no GPU is present
    dist_cfg=dict(backend='nccl'),
)

# DDP that also runs on CPU processes; buffers (the per-rank SwAV queue) are not broadcast
model_wrapper_cfg = dict(type='mmswav.models.wrappers.AnyDeviceDDP', broadcast_buffers=False)

log_processor = dict(
    window_size=10, custom_cfg=[dict(data_src='', method='mean', window_size='global')])

# mmengine 0.10.7 turns imports of the standard library into lazy objects inside a virtual
# environment (`sys` stays real): reach importlib and os through sys.modules
vis_backends = [dict(type='LocalVisBackend')]
if (sys.modules['importlib.util'].find_spec('tensorboard') is not None
        and sys.modules['os'].environ.get('MMSWAV_TENSORBOARD', '1') != '0'):
    vis_backends.append(dict(type='TensorboardVisBackend'))
del sys  # a module object in the config could not be copied
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends, name='visualizer')

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=True, deterministic=False)
