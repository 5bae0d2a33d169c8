# Copyright (c) mmswav contributors. All rights reserved.
from .convert import (
    convert_checkpoint,
    detect_algorithm,
    detect_layout,
    extract_backbone,
    read_checkpoint,
)
from .inference import extract_features, get_model, load_images
from .model_zoo import download_weights, list_models, model_info
from .resnet_keys import check_resnet

__all__ = [
    'check_resnet', 'convert_checkpoint', 'detect_algorithm', 'detect_layout',
    'download_weights', 'extract_backbone', 'extract_features', 'get_model', 'list_models',
    'load_images', 'model_info', 'read_checkpoint'
]
