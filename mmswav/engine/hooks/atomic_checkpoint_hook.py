# Copyright (c) mmswav contributors. All rights reserved.
"""Checkpoints that are never torn: temporary file, fsync, rename; then ``last_checkpoint``."""
import errno
import glob
import os
import os.path as osp
from typing import Any

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from mmswav.registry import HOOKS

TMP_SUFFIX = '.tmp'


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: str) -> None:
    try:
        _fsync_file(path)
    except OSError:  # some filesystems do not fsync directories
        pass


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory (flushed,
    fsynced, renamed): a reader sees the old or the new content, never a part."""
    tmp = osp.join(osp.dirname(path) or '.', f'.{osp.basename(path)}{TMP_SUFFIX}')
    try:
        with open(tmp, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(osp.dirname(path) or '.')


def save_checkpoint_atomic(runner, out_dir: str, filename: str, **kwargs: Any) -> str:
    """``runner.save_checkpoint`` into ``.<filename>.tmp``, fsync, rename to ``filename``.

    Returns:
        str: The final path. On any error (a full disk, a kill) the temporary file is removed
        and the file of that name, if any, is untouched.
    """
    path = osp.join(out_dir, filename)
    tmp_name = f'.{filename}{TMP_SUFFIX}'
    tmp = osp.join(out_dir, tmp_name)
    try:
        runner.save_checkpoint(out_dir, tmp_name, **kwargs)
        if is_main_process():
            _fsync_file(tmp)
            os.replace(tmp, path)
            _fsync_dir(out_dir)
    except BaseException as error:
        if osp.exists(tmp):
            os.remove(tmp)
        if isinstance(error, OSError):
            raise OSError(error.errno or errno.EIO,
                          f'saving checkpoint {path} failed ({error}); the previous checkpoints '
                          'and last_checkpoint are unchanged') from error
        raise
    return path


def remove_stale_temporaries(out_dir: str) -> None:
    """Remove the temporary files of saves that a crash interrupted."""
    for tmp in glob.glob(osp.join(out_dir, f'.*.pth{TMP_SUFFIX}')):
        os.remove(tmp)
        print_log(f'removed {tmp}, an interrupted checkpoint save', logger='current')


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose saves are atomic (same arguments).

    Each checkpoint is written to a temporary file in the same directory, flushed, fsynced
    and renamed into place; ``last_checkpoint`` is then replaced the same way, and only then
    does ``max_keep_ckpts`` remove the oldest checkpoint. A crash, a kill or a full disk at
    any moment leaves the previous checkpoint and ``last_checkpoint`` readable.
    Non-local backends (``backend_args``) save as mmengine does.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            remove_stale_temporaries(self.out_dir)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        if not isinstance(self.file_backend, LocalBackend):
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        save_checkpoint_atomic(
            runner, self.out_dir, filename, file_client_args=self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta,
            by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        write_text_atomic(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None:
            old = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if osp.isfile(old):
                os.remove(old)


def use_atomic_checkpoints(cfg: Any) -> None:
    """Make the config's ``default_hooks.checkpoint`` an :class:`AtomicCheckpointHook`
    (same arguments), in place; a hook of another type, or ``checkpoint=None`` (no
    checkpoints), is left as it is."""
    hooks = cfg.setdefault('default_hooks', {})
    checkpoint = hooks.get('checkpoint', None)
    if 'checkpoint' not in hooks:  # mmengine's default: CheckpointHook(interval=1)
        hooks['checkpoint'] = dict(type='AtomicCheckpointHook', interval=1)
    elif isinstance(checkpoint, dict) and checkpoint.get('type') in (
            None, 'CheckpointHook', 'mmengine.CheckpointHook'):
        checkpoint['type'] = 'AtomicCheckpointHook'
