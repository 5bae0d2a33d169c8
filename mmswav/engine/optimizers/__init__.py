# Copyright (c) mmswav contributors. All rights reserved.
from .autocast_optim_wrapper import AutocastOptimWrapper
from .larc import LARC

__all__ = ['AutocastOptimWrapper', 'LARC']
