# Copyright (c) mmswav contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook, use_atomic_checkpoints
from .collapse_hook import SwAVCollapseHook
from .defaults import RELIABILITY_HOOKS, add_reliability_hooks
from .interrupt_hook import InterruptHook, TrainingInterrupted
from .knn_hook import KNNHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .rank_queues_hook import RankQueuesHook
from .resume_guard_hook import ResumeGuardHook, ResumeRefused
from .skipped_images_hook import SkippedImagesHook
from .summary_hook import TrainingSummaryHook
from .swav_hook import SwAVHook

__all__ = [
    'KNNHook', 'SwAVHook', 'SwAVCollapseHook', 'InterruptHook', 'TrainingInterrupted',
    'NonFiniteLossHook', 'NonFiniteLossError', 'SkippedImagesHook', 'RankQueuesHook',
    'RELIABILITY_HOOKS', 'add_reliability_hooks', 'AtomicCheckpointHook',
    'use_atomic_checkpoints', 'ResumeGuardHook', 'ResumeRefused', 'TrainingSummaryHook'
]
