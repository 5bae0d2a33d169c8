# Copyright (c) mmswav contributors. All rights reserved.
from .fast_multicrop import FastSwAVView
from .multi_view import MultiView
from .robust_loading import RobustLoadImageFromFile, decode_rgb

__all__ = ['FastSwAVView', 'MultiView', 'RobustLoadImageFromFile', 'decode_rgb']
