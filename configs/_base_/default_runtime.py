# Runtime shared by every mmswav config.
default_scope = 'mmswav'
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

# DDP that also runs on CPU processes; buffers (the per-rank SwAV queue) are not broadcast.
# The full path: mmengine's Runner looks the type up in its root registry before building.
model_wrapper_cfg = dict(type='mmswav.models.wrappers.AnyDeviceDDP', broadcast_buffers=False)

log_processor = dict(
    window_size=10, custom_cfg=[dict(data_src='', method='mean', window_size='global')])

# Scalars (loss, lr, online kNN top-1, collapse signals) go to every visualiser backend:
# <work_dir>/<timestamp>/vis_data/scalars.json always, TensorBoard event files there too when
# `tensorboard` is installed (`pip install tensorboard`; MMSWAV_TENSORBOARD=0 turns it off).
# Plot them: python tools/analysis_tools/plot_curves.py <work_dir>
import sys as _sys  # noqa: E402 (old-style configs may import only built-in modules)

vis_backends = [dict(type='LocalVisBackend')]
if (_sys.modules['importlib.util'].find_spec('tensorboard') is not None
        and _sys.modules['os'].environ.get('MMSWAV_TENSORBOARD', '1') != '0'):
    vis_backends.append(dict(type='TensorboardVisBackend'))
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends, name='visualizer')

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, diff_rank_seed=True, deterministic=False)
