# Copyright (c) mmswav contributors. All rights reserved.
from .multi_view import MultiView
from .robust_loading import RobustLoadImageFromFile, decode_rgb

__all__ = ['MultiView', 'RobustLoadImageFromFile', 'decode_rgb']
