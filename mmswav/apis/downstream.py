# Copyright (c) mmswav contributors. All rights reserved.
"""Train and test an mmdet / mmseg benchmark config from a converted SwAV checkpoint, with
mmdet's / mmseg's own Runner (the shared logic of ``tools/benchmarks/mm*/train.py``)."""
import argparse
import os.path as osp
from typing import Any, Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from mmswav.utils.checkpoint import allow_mmengine_checkpoints
from mmswav.utils.config import replace_sync_bn_logged, rewrite_dicts
from mmswav.utils.transfer_stack import require_transfer_stack

CODEBASES = ('mmdet', 'mmseg')


def set_pretrained(cfg: Any, checkpoint: str) -> int:
    """Point every ``init_cfg=dict(type='Pretrained')`` in ``cfg`` at ``checkpoint``.

    Returns:
        int: How many were set (the R50-C4 detector has two: backbone and res5 head).
    """
    def point(init: dict) -> bool:
        if init.get('type') != 'Pretrained':
            return False
        init['checkpoint'] = checkpoint
        return True
    return rewrite_dicts(cfg, point)


def register_codebase(codebase: str) -> None:
    """Register mmdet's or mmseg's modules with their own default scope; exit with the
    install command when the transfer stack (mmcv ops, mmdet / mmseg) is missing."""
    if codebase not in CODEBASES:
        raise ValueError(f'codebase must be one of {CODEBASES}, got {codebase!r}')
    require_transfer_stack(codebase)
    if codebase == 'mmdet':
        from mmdet.utils import register_all_modules
    else:
        from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    allow_mmengine_checkpoints()


def prepare_cfg(config: str, checkpoint: Optional[str] = None, work_dir: Optional[str] = None,
                sync_bn_to_bn: bool = False, cfg_options: Optional[dict] = None) -> Config:
    """Load a benchmark config, set the pretrained checkpoint, work dir and norm layers.

    Args:
        config (str): A config under ``configs/benchmarks/``.
        checkpoint (str, optional): Converted checkpoint (``selfsup2mmdet.py``); None keeps
            the config's. Defaults to None.
        work_dir (str, optional): Defaults to ``work_dirs/benchmarks/<config name>``.
        sync_bn_to_bn (bool): Swap SyncBN for BN (CPU or one process). Defaults to False.
        cfg_options (dict, optional): ``--cfg-options`` overrides. Defaults to None.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if checkpoint is not None:
        if not osp.isfile(checkpoint) and '://' not in checkpoint:
            raise FileNotFoundError(f'pretrained checkpoint {checkpoint} not found; convert '
                                    'one with tools/model_converters/selfsup2mmdet.py')
        if set_pretrained(cfg.model, checkpoint) == 0:
            raise ValueError(f'{config}: no Pretrained init_cfg to set the checkpoint in')
    if sync_bn_to_bn:
        replace_sync_bn_logged(cfg._cfg_dict)  # a Config is not a dict; its content is
    cfg.work_dir = work_dir or osp.join('work_dirs', 'benchmarks',
                                        osp.splitext(osp.basename(config))[0])
    return cfg


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fine-tune and test a converted SwAV checkpoint on a downstream task')
    parser.add_argument('config', help='benchmark config under configs/benchmarks/')
    parser.add_argument('checkpoint', help='converted checkpoint (selfsup2mmdet.py)')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument('--sync-bn-to-bn', action='store_true',
                        help='replace SyncBN by BN (CPU, single process)')
    parser.add_argument('--amp', action='store_true', help='mixed precision (GPU)')
    parser.add_argument('--test-only', action='store_true',
                        help='skip training; test the config\'s load_from or init weights')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args(argv)


def main(codebase: str, argv: Optional[Sequence[str]] = None) -> dict:
    """Train (unless ``--test-only``) and test; return the test metrics."""
    from mmengine.runner import Runner
    args = parse_args(argv)
    register_codebase(codebase)
    cfg = prepare_cfg(args.config, args.checkpoint, args.work_dir, args.sync_bn_to_bn,
                      args.cfg_options)
    cfg.launcher = args.launcher
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    runner = Runner.from_cfg(cfg)
    if not args.test_only:
        runner.train()
    metrics = runner.test()
    print_log(f'test metrics: {metrics}', logger='current')
    return metrics
