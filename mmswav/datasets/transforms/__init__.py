# Copyright (c) mmswav contributors. All rights reserved.
from .multi_view import MultiView

__all__ = ['MultiView']
