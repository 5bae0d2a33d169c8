# Copyright (c) mmswav contributors. All rights reserved.
# mmswav's registries are children of mmpretrain's, which never import the parent's lazy
# locations: import them here so every name resolves.
import mmpretrain.evaluation  # noqa: F401

from .features import build_eval_dataset, extract_features, gap_features, multi_layer_features
from .knn import knn_accuracy, knn_predict
from .linear_probe import logistic_regression_accuracy
from .multi_head import (
    MultiHeadAccuracy,
    MultiLinearClsHead,
    ResNetCIFARMultiStage,
    ResNetMultiStage,
)
from .svm import low_shot_svm, train_eval_svm, voc07_ap

__all__ = [
    'build_eval_dataset', 'extract_features', 'gap_features', 'knn_accuracy', 'knn_predict',
    'logistic_regression_accuracy', 'multi_layer_features', 'MultiHeadAccuracy',
    'MultiLinearClsHead', 'ResNetCIFARMultiStage', 'ResNetMultiStage', 'low_shot_svm',
    'train_eval_svm', 'voc07_ap'
]
