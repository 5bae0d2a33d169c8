# Copyright (c) mmswav contributors. All rights reserved.
from .swav_hook import SwAVHook

__all__ = ['SwAVHook']
