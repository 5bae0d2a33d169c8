# Copyright (c) mmswav contributors. All rights reserved.
"""Helpers of the downstream smoke runs: a converted mmswav checkpoint and a tiny CPU run of a
benchmark config with mmdet's / mmseg's own Runner."""
import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, Optional, Tuple

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner, save_checkpoint

from mmswav.apis.downstream import prepare_cfg, register_codebase

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / 'configs' / 'benchmarks'


@pytest.fixture(autouse=False)
def restore_default_scope():
    """Leave mmswav's default scope current after a test that registers mmdet's / mmseg's
    (their ``register_all_modules`` makes their scope current)."""
    with DefaultScope.overwrite_default_scope('mmswav'):
        yield


def load_tool(path: str) -> ModuleType:
    """Import ``tools/<path>`` as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, REPO / 'tools' / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_converted_checkpoint(root: Path) -> Tuple[Path, Dict[str, torch.Tensor]]:
    """A randomly initialised mmswav SwAV ResNet-50 saved as an mmengine checkpoint, then
    converted with ``tools/model_converters/selfsup2mmdet.py``; returns (path, backbone)."""
    from mmswav.registry import MODELS
    from mmswav.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    convert_main = load_tool('model_converters/selfsup2mmdet.py').main
    torch.manual_seed(0)
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/swav_resnet50.py'))
    with DefaultScope.overwrite_default_scope('mmswav'):
        model = MODELS.build(cfg.model)
    src, dst = root / 'swav_mmswav.pth', root / 'swav_r50_converted.pth'
    save_checkpoint(dict(meta=dict(mmengine_version='0.10.7', epoch=1, iter=10),
                         state_dict=model.state_dict()), str(src))
    assert convert_main([str(src), str(dst)]) == 0
    backbone = {k[len('backbone.'):]: v.clone() for k, v in model.state_dict().items()
                if k.startswith('backbone.')}
    return dst, backbone


def tiny_cfg(config: str, checkpoint: Path, work_dir: Path, edit: Callable[[Config], None],
             max_iters: int) -> Config:
    """The benchmark config with BN for SyncBN, the checkpoint, and ``edit`` applied."""
    cfg = prepare_cfg(str(BENCH / config), str(checkpoint), str(work_dir), sync_bn_to_bn=True)
    edit(cfg)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10**6)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(by_epoch=False)
    cfg.param_scheduler = []
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'),
                       mp_cfg=dict(mp_start_method='fork'))
    cfg.randomness = dict(seed=0)
    cfg.visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
    return cfg


def fixed_batch_loss(runner: Runner, batch: dict, prefix: Optional[str] = None) -> float:
    """Total loss, or the sum of the loss terms named ``prefix*``, on one fixed batch (fixed
    seed: same samplers and dropout)."""
    model = runner.model
    model.train()
    torch.manual_seed(1)
    with torch.no_grad():
        data = model.data_preprocessor(batch, True)
        _, log_vars = model.parse_losses(model(**data, mode='loss'))
    if prefix is None:
        return float(log_vars['loss'])
    return sum(float(v) for k, v in log_vars.items() if k.startswith(prefix))


class RecordTestOutputs(Hook):
    """Keeps every data sample the test loop predicts (predictions and ground truth)."""

    def __init__(self, samples: list) -> None:
        self.samples = samples

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.samples.extend(outputs)


def smoke_run(codebase: str, cfg: Config, backbone: Dict[str, torch.Tensor],
              prefix: Optional[str] = None, samples: Optional[list] = None) -> dict:
    """Init from the checkpoint (checked), train, check the fixed-batch loss fell, test.

    ``prefix`` picks the loss terms compared. A detector's RoI-head losses legitimately rise
    in the first iterations (a better RPN gives more positive proposals, hence more box
    regression terms), so the detection tests compare the RPN losses (``loss_rpn``), whose
    anchor targets do not move. ``samples``, when given, receives every predicted test data
    sample (for a metric computed independently by the caller).
    """
    register_codebase(codebase)
    runner = Runner.from_cfg(cfg)
    runner.model.init_weights()  # Pretrained: loads the converted checkpoint (once)
    for key in ('conv1.weight', 'layer3.5.conv3.weight', 'layer1.0.bn1.running_var'):
        torch.testing.assert_close(runner.model.backbone.state_dict()[key], backbone[key])
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    batch = next(iter(runner.build_dataloader(loader_cfg)))
    before = fixed_batch_loss(runner, batch, prefix)
    runner.train()
    after = fixed_batch_loss(runner, batch, prefix)
    print(f'{codebase} fixed-batch {prefix or "loss"}: {before:.4f} -> {after:.4f}')
    assert math.isfinite(before) and math.isfinite(after)
    assert after < before, f'loss did not fall: {before} -> {after}'
    if samples is not None:
        runner.register_hook(RecordTestOutputs(samples), priority='LOWEST')
    metrics = runner.test()
    print(f'{codebase} test metrics: {metrics}')
    return metrics
