# Copyright (c) mmswav contributors. All rights reserved.
"""Pretrain with mmengine's Runner: ``python tools/train.py CONFIG [options]``."""
import argparse
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmswav.engine.hooks.defaults import add_reliability_hooks
from mmswav.engine.numerics import CHOICES, resolve_numerics
from mmswav.engine.resume import prepare_resume
from mmswav.engine.resume_cli import add_resume_args
from mmswav.utils import register_all_modules
from mmswav.utils.config import replace_sync_bn, replace_sync_bn_logged
from mmswav.utils.train_cli import (
    ConfigError,
    check_cli_options,
    check_train_inputs,
    explain_empty_epoch,
    finish_train_config,
)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model with mmswav')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--data',
        help='train on the images under this folder (any layout, recursively) or in this '
        '.txt list, without labels: replaces the config\'s dataset, keeps its pipeline')
    add_resume_args(parser)  # --resume [PATH], --resume-if-possible, --accept-seed-change
    parser.add_argument('--amp', action='store_true', help='mixed precision training')
    parser.add_argument(
        '--numerics', choices=CHOICES, default=None,
        help='arithmetic of the training step: fp32, channels_last, bf16 (autocast), '
        'bf16_channels_last, or auto: time a few real steps of each on this CPU (< 30 s) and '
        'keep the fastest whose loss agrees with fp32. Default: the config\'s `numerics` key, '
        'else auto with --data and the config as written otherwise (docs/performance.md)')
    parser.add_argument(
        '--sync-bn-to-bn',
        action='store_true',
        help='replace SyncBN by BN in the config: the explicit switch to run SyncBN '
        'configs in CPU processes')
    parser.add_argument(
        '--no-safety-hooks',
        action='store_true',
        help='do not add the reliability hooks (save on SIGTERM / Ctrl-C, stop on a '
        'non-finite loss, collapse warning, skipped-image count); see docs/common_issues.md')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, xxx=yyy, e.g. '
        'train_dataloader.batch_size=64 model.head.num_prototypes=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    """Apply the command-line options to the config."""
    cfg.launcher = args.launcher
    check_cli_options(cfg, args.cfg_options)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:  # mmengine's AmpOptimWrapper needs a GPU: bf16 autocast on CPU
            cfg.optim_wrapper.type = 'AutocastOptimWrapper'
            cfg.optim_wrapper.pop('loss_scale', None)
            cfg.optim_wrapper.setdefault('dtype', 'bfloat16')
    finish_train_config(cfg, getattr(args, 'data', None))
    if args.sync_bn_to_bn:
        replace_sync_bn_logged(cfg._cfg_dict)
    elif not torch.cuda.is_available() and replace_sync_bn(copy.deepcopy(cfg._cfg_dict)):
        raise SystemExit(f'{args.config} uses SyncBN, which needs GPUs; to run it on CPU '
                         'replace it by BN with the explicit switch --sync-bn-to-bn')
    if not getattr(args, 'no_safety_hooks', False):
        add_reliability_hooks(cfg)
    if args.launcher != 'none' and not torch.cuda.is_available():
        backend = cfg.env_cfg.get('dist_cfg', {}).get('backend')
        if backend != 'gloo':
            print(f'No GPU: distributed backend {backend} -> gloo')
            cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    prepare_resume(cfg, args)  # atomic checkpoints; checked resume (mmswav/engine/resume.py)
    return cfg


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    try:
        cfg = merge_args(Config.fromfile(args.config), args)
        check_train_inputs(cfg)
        _, numerics_line = resolve_numerics(cfg, args.numerics, args.data, args.amp,
                                            args.launcher)
    except ConfigError as error:
        raise SystemExit(f'error: {error}') from None
    if args.launcher == 'pytorch' and not torch.cuda.is_available():
        # mmengine's pytorch launcher calls torch.cuda.set_device: start gloo (env://) here
        torch.distributed.init_process_group(backend='gloo')
    runner = Runner.from_cfg(cfg)
    if numerics_line:
        runner.logger.info(numerics_line)
    try:
        with explain_empty_epoch(runner):
            runner.train()
    except ConfigError as error:
        raise SystemExit(f'error: {error}') from None


if __name__ == '__main__':
    main()
