# Copyright (c) mmswav contributors. All rights reserved.
"""A fast linear probe on extracted frozen features: multinomial logistic regression
(scikit-learn, standardised features). Reported as "linear (logistic regression)", a quick
stand-in for the SGD linear-evaluation configs under ``configs/benchmarks/classification``."""
import warnings

from mmengine.logging import print_log
from torch import Tensor


def logistic_regression_accuracy(train_feats: Tensor, train_labels: Tensor,
                                 test_feats: Tensor, test_labels: Tensor, c: float = 1.0,
                                 max_iter: int = 1000) -> float:
    """Top-1 accuracy (%) of a logistic regression trained on frozen features.

    Args:
        train_feats (Tensor): ``[N, C]`` training features.
        train_labels (Tensor): ``[N]`` labels.
        test_feats (Tensor): ``[M, C]`` test features.
        test_labels (Tensor): ``[M]`` labels.
        c (float): Inverse L2 regularisation strength. Defaults to 1.0.
        max_iter (int): L-BFGS iterations. Defaults to 1000 (scikit-learn's 100, and the
            200 used before, stopped early on the quick start's 50,000 features). When the
            solver still stops before its tolerance, one log line says so instead of
            scikit-learn's ``ConvergenceWarning``; the accuracy is that of the last iterate.

    Returns:
        float: Test top-1 accuracy in percent.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_feats.numpy())
    clf = LogisticRegression(C=c, max_iter=max_iter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ConvergenceWarning)
        clf.fit(scaler.transform(train_feats.numpy()), train_labels.numpy())
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        print_log(f'logistic regression: L-BFGS stopped at max_iter={max_iter} before its '
                  'tolerance; the accuracy is that of the last iterate (raise max_iter)',
                  logger='current', level=30)
    for w in caught:  # anything else is shown as usual
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    pred = clf.predict(scaler.transform(test_feats.numpy()))
    return 100.0 * float((pred == test_labels.numpy()).mean())
