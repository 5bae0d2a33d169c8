# Copyright (c) mmswav contributors. All rights reserved.
from .swav_head import SwAVHead

__all__ = ['SwAVHead']
