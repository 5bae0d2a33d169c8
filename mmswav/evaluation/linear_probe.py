# Copyright (c) mmswav contributors. All rights reserved.
"""A fast linear probe on extracted frozen features: multinomial logistic regression
(scikit-learn, standardised features). Reported as "linear (logistic regression)", a quick
stand-in for the SGD linear-evaluation configs under ``configs/benchmarks/classification``."""
from torch import Tensor


def logistic_regression_accuracy(train_feats: Tensor, train_labels: Tensor,
                                 test_feats: Tensor, test_labels: Tensor, c: float = 1.0,
                                 max_iter: int = 200) -> float:
    """Top-1 accuracy (%) of a logistic regression trained on frozen features.

    Args:
        train_feats (Tensor): ``[N, C]`` training features.
        train_labels (Tensor): ``[N]`` labels.
        test_feats (Tensor): ``[M, C]`` test features.
        test_labels (Tensor): ``[M]`` labels.
        c (float): Inverse L2 regularisation strength. Defaults to 1.0.
        max_iter (int): L-BFGS iterations. Defaults to 200.

    Returns:
        float: Test top-1 accuracy in percent.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_feats.numpy())
    clf = LogisticRegression(C=c, max_iter=max_iter)
    clf.fit(scaler.transform(train_feats.numpy()), train_labels.numpy())
    pred = clf.predict(scaler.transform(test_feats.numpy()))
    return 100.0 * float((pred == test_labels.numpy()).mean())
