# Copyright (c) mmswav contributors. All rights reserved.
"""Child registries of mmpretrain's, in the ``mmswav`` scope.

mmpretrain 1.2.0 already registers ``SwAV``, ``SwAVNeck``, ``SwAVHead``, ``SwAVLoss``,
``SwAVHook`` and ``MultiView``, so mmswav cannot register those names into mmpretrain's
registries. Each registry here is a child of mmpretrain's: with ``default_scope='mmswav'``,
``type='SwAV'`` builds ours, and any name mmswav does not define (``ResNet``, ``LARS``,
``RandomResizedCrop``, ...) resolves through the parent.

A child registry never runs its parent's lazy ``locations``, so
:func:`mmswav.utils.register_all_modules` imports mmpretrain's modules itself.
"""
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS',
    'BATCH_AUGMENTS', 'TASK_UTILS', 'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS',
    'FUNCTIONS'
]


def _child(name: str, parent: Registry, package: str) -> Registry:
    return Registry(name, parent=parent, scope='mmswav', locations=[f'mmswav.{package}'])


RUNNERS = _child('runner', mmpretrain_registry.RUNNERS, 'engine')
RUNNER_CONSTRUCTORS = _child('runner constructor', mmpretrain_registry.RUNNER_CONSTRUCTORS,
                             'engine')
LOOPS = _child('loop', mmpretrain_registry.LOOPS, 'engine')
HOOKS = _child('hook', mmpretrain_registry.HOOKS, 'engine')
LOG_PROCESSORS = _child('log processor', mmpretrain_registry.LOG_PROCESSORS, 'engine')
OPTIMIZERS = _child('optimizer', mmpretrain_registry.OPTIMIZERS, 'engine')
OPTIM_WRAPPERS = _child('optim_wrapper', mmpretrain_registry.OPTIM_WRAPPERS, 'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    mmpretrain_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'engine')
PARAM_SCHEDULERS = _child('parameter scheduler', mmpretrain_registry.PARAM_SCHEDULERS,
                          'engine')
DATASETS = _child('dataset', mmpretrain_registry.DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', mmpretrain_registry.DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child('transform', mmpretrain_registry.TRANSFORMS, 'datasets')
MODELS = _child('model', mmpretrain_registry.MODELS, 'models')
MODEL_WRAPPERS = _child('model_wrapper', mmpretrain_registry.MODEL_WRAPPERS, 'models')
WEIGHT_INITIALIZERS = _child('weight initializer', mmpretrain_registry.WEIGHT_INITIALIZERS,
                             'models')
BATCH_AUGMENTS = _child('batch augment', mmpretrain_registry.BATCH_AUGMENTS, 'models')
TASK_UTILS = _child('task util', mmpretrain_registry.TASK_UTILS, 'models')
METRICS = _child('metric', mmpretrain_registry.METRICS, 'evaluation')
EVALUATORS = _child('evaluator', mmpretrain_registry.EVALUATORS, 'evaluation')
VISUALIZERS = _child('visualizer', mmpretrain_registry.VISUALIZERS, 'visualization')
VISBACKENDS = _child('vis_backend', mmpretrain_registry.VISBACKENDS, 'visualization')
# mmpretrain has no FUNCTIONS registry; mmengine looks `collate_fn` up in its root one, where
# `type='mmswav.default_collate'` names this child
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS, 'datasets')
