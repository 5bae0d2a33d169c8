# Copyright (c) mmswav contributors. All rights reserved.
from .swav_neck import SwAVNeck

__all__ = ['SwAVNeck']
