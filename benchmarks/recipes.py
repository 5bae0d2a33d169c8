# Copyright (c) mmswav contributors. All rights reserved.
"""The two recipes the step benchmarks measure, as models, crops and step functions.

* ``quickstart``: the quick-start config (ResNet-18 CIFAR stem, width 16, 2 x 32 px,
  batch 128, 300 prototypes, SGD), built from its config file;
* ``published``: the published ResNet-50 recipe (2 x 224 + 6 x 96, 3000 prototypes, LARC),
  from its config file with BN instead of SyncBN (one process); ``queue_rows`` > 0 fills a
  queue of that many rows as every rank of the published 8-GPU run has (3840 / 8 = 480).

Also :func:`mmpretrain_twin`: mmpretrain 1.2.0's own ``SwAV`` with the same weights.
"""
import copy
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {
    'quickstart': osp.join(
        ROOT, 'configs/swav/swav_resnet18-cifar-w16_1xb128-mcrop-2-sgd-coslr-8e_cifar10-32.py'),
    'published': osp.join(
        ROOT, 'configs/swav/swav_resnet50_8xb32-mcrop-2-6-coslr-200e_in1k-224-96.py'),
}
CROPS = {'quickstart': [32, 32], 'published': [224] * 2 + [96] * 6}


def _merge(cfg: dict, overrides: dict) -> dict:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            _merge(cfg[key], value)
        else:
            cfg[key] = value
    return cfg


def _model_cfg(recipe: str, norm: Optional[dict] = None, overrides: Optional[dict] = None):
    from mmengine.config import Config
    cfg = Config.fromfile(CONFIGS[recipe]).model
    if recipe == 'published':  # SyncBN needs a process group: BN in one process
        norm = norm or dict(type='BN')
        cfg.backbone.norm_cfg = dict(norm)
        cfg.neck.norm_cfg = dict(type='BN1d') if norm['type'] == 'BN' else dict(norm)
    return _merge(cfg, copy.deepcopy(overrides or {}))


def build_recipe(recipe: str, queue_rows: int = 0, norm: Optional[dict] = None,
                 overrides: Optional[dict] = None):
    """Our ``SwAV`` of a recipe in train mode. ``norm``: the published recipe's norm layer
    (BN by default); ``overrides`` merge into ``model`` (e.g. ``channels_last=True`` or a
    smaller backbone). With ``queue_rows``, the queue is active and full."""
    from mmengine.registry import DefaultScope

    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = _model_cfg(recipe, norm, overrides)
    if queue_rows:
        cfg.head.update(queue_length=queue_rows, epoch_queue_starts=0)
    cfg.pop('data_preprocessor', None)
    with DefaultScope.overwrite_default_scope('mmswav'):
        model = MODELS.build(cfg)
    model.head.set_progress(epoch=1000, iteration=10**6)  # past freeze / queue start
    if queue_rows:
        with torch.no_grad():
            model.head.queue.copy_(F.normalize(torch.randn_like(model.head.queue), dim=-1))
        model.head._queue_rows = None  # read the filled queue once
    return model.train()


def mmpretrain_twin(ours, recipe: str, overrides: Optional[dict] = None):
    """mmpretrain 1.2.0's ``SwAV`` with the backbone, neck and prototypes of ``ours``
    (built with the same ``overrides``)."""
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    from mmpretrain.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = _model_cfg(recipe, None, overrides)
    cfg.pop('channels_last', None), cfg.pop('tiny_map_convs', None)
    loss = cfg.head.loss
    head = dict(type='SwAVHead', loss=dict(
        type='SwAVLoss', feat_dim=cfg.head.feat_dim, num_crops=list(loss.num_crops),
        crops_for_assign=list(loss.crops_for_assign), epsilon=loss.epsilon,
        num_prototypes=cfg.head.num_prototypes))
    neck = copy.deepcopy(cfg.neck)
    neck.norm_cfg = dict(type='BN1d')
    assert neck.pop('num_layers', 2) == 2, 'mmpretrain\'s SwAVNeck has 2 layers'
    backbone = copy.deepcopy(cfg.backbone)
    if backbone.type == 'ResNet_CIFAR':
        backbone.type = 'mmpretrain.ResNet_CIFAR'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        theirs = MODELS.build(dict(type='SwAV', backbone=backbone, neck=neck, head=head))
    state = {k.replace('head.prototypes', 'head.loss_module.prototypes'): v
             for k, v in ours.state_dict().items()
             if k not in ('head.queue', 'head.epoch', 'head.iteration')}
    missing, unexpected = theirs.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith('neck.norm.')]  # alias of neck.1
    assert not missing and not unexpected, (missing, unexpected)
    return theirs.train()


def make_crops(recipe: str, batch: int, device='cpu', channels_last: bool = False,
               seed: int = 0, sizes: Optional[List[int]] = None) -> List[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    crops = [torch.randn(batch, 3, s, s, generator=gen).to(device)
             for s in (sizes or CROPS[recipe])]
    if channels_last:
        crops = [c.contiguous(memory_format=torch.channels_last) for c in crops]
    return crops


def optimizer(model, recipe: str, lr: float = 0.0) -> torch.optim.Optimizer:
    """The recipe's optimizer (SGD for the quick start, LARC for the published one);
    lr 0 keeps the weights fixed so every repeat does the same work."""
    if recipe == 'published':
        from mmswav.engine.optimizers import LARC
        return LARC(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-6)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-5)


def train_step(model, crops, optim) -> Callable[[], float]:
    """Forward, loss, backward, optimizer step (what the runner does per iteration)."""
    head = getattr(model, 'head', None)

    def step() -> float:
        optim.zero_grad(set_to_none=True)
        model.loss(crops, None)['loss'].backward()
        if hasattr(head, 'drop_frozen_prototype_grads'):
            head.drop_frozen_prototype_grads()  # what SwAVHook does before every step
        optim.step()
        return crops[0].shape[0]
    return step


def backbone_step(model, crops) -> Callable[[], float]:
    """The backbone's own forward + backward on the same crops, grouped by resolution
    as the model does: the physical limit of the step on this machine."""
    groups: List[Tuple[int, int]] = []
    start = 0
    for end in model.resolution_groups(crops):
        groups.append((start, end))
        start = end
    params = list(model.backbone.parameters())

    def step() -> float:
        for p in params:
            p.grad = None
        total = 0
        for a, b in groups:
            x = torch.cat(crops[a:b])
            if getattr(model, 'channels_last', False):
                x = x.contiguous(memory_format=torch.channels_last)
            total = total + model.backbone(x)[-1].float().mean()
        total.backward()
        return crops[0].shape[0]
    return step


def steps(recipe: str, batch: int, queue_rows: int = 0) -> Dict[str, Callable[[], float]]:
    """``{'step': ..., 'backbone only': ..., 'step, host reads': ...}`` for one recipe; the
    last forces the per-step host reads of the schedule and queue state that the head made
    before this change (its ``_progress`` / ``_queue_rows`` copies dropped every step)."""
    model = build_recipe(recipe, queue_rows=queue_rows)
    crops = make_crops(recipe, batch)
    step = train_step(model, crops, optimizer(model, recipe))

    def with_host_reads() -> float:
        model.head._progress = model.head._queue_rows = None
        return step()
    return {'step': step, 'backbone only': backbone_step(model, crops),
            'step, host reads': with_host_reads}
