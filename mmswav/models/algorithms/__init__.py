# Copyright (c) mmswav contributors. All rights reserved.
from .swav import SwAV

__all__ = ['SwAV']
