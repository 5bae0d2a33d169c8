# Copyright (c) mmswav contributors. All rights reserved.
from .sinkhorn import sinkhorn
from .swav_loss import SwAVLoss

__all__ = ['sinkhorn', 'SwAVLoss']
