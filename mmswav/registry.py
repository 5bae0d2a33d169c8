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

# The child registries, by the package whose modules register into them (their lazy
# ``locations``): registry name -> the name mmengine prints for it.
_CHILDREN = {
    'engine': dict(
        RUNNERS='runner', RUNNER_CONSTRUCTORS='runner constructor', LOOPS='loop',
        HOOKS='hook', LOG_PROCESSORS='log processor', OPTIMIZERS='optimizer',
        OPTIM_WRAPPERS='optim_wrapper',
        OPTIM_WRAPPER_CONSTRUCTORS='optimizer wrapper constructor',
        PARAM_SCHEDULERS='parameter scheduler'),
    'datasets': dict(DATASETS='dataset', DATA_SAMPLERS='data sampler', TRANSFORMS='transform'),
    'models': dict(
        MODELS='model', MODEL_WRAPPERS='model_wrapper', WEIGHT_INITIALIZERS='weight initializer',
        BATCH_AUGMENTS='batch augment', TASK_UTILS='task util'),
    'evaluation': dict(METRICS='metric', EVALUATORS='evaluator'),
    'visualization': dict(VISUALIZERS='visualizer', VISBACKENDS='vis_backend'),
}


def _child(name: str, package: str) -> Registry:
    """The ``mmswav``-scope child of mmpretrain's registry ``name``."""
    return Registry(_CHILDREN[package][name], parent=getattr(mmpretrain_registry, name),
                    scope='mmswav', locations=[f'mmswav.{package}'])


RUNNERS = _child('RUNNERS', 'engine')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS', 'engine')
LOOPS = _child('LOOPS', 'engine')
HOOKS = _child('HOOKS', 'engine')
LOG_PROCESSORS = _child('LOG_PROCESSORS', 'engine')
OPTIMIZERS = _child('OPTIMIZERS', 'engine')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', 'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS', 'engine')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS', 'engine')
DATASETS = _child('DATASETS', 'datasets')
DATA_SAMPLERS = _child('DATA_SAMPLERS', 'datasets')
TRANSFORMS = _child('TRANSFORMS', 'datasets')
MODELS = _child('MODELS', 'models')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS', 'models')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS', 'models')
BATCH_AUGMENTS = _child('BATCH_AUGMENTS', 'models')
TASK_UTILS = _child('TASK_UTILS', 'models')
METRICS = _child('METRICS', 'evaluation')
EVALUATORS = _child('EVALUATORS', 'evaluation')
VISUALIZERS = _child('VISUALIZERS', 'visualization')
VISBACKENDS = _child('VISBACKENDS', 'visualization')
# mmpretrain has no FUNCTIONS registry: this child hangs under mmengine's root one, where the
# Runner looks `collate_fn` up (`type='mmswav.default_collate'`, mmswav/datasets/collate.py)
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, scope='mmswav',
                     locations=['mmswav.datasets'])
__all__ = [name for names in _CHILDREN.values() for name in names] + ['FUNCTIONS']
