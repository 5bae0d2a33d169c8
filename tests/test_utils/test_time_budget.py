# Copyright (c) mmswav contributors. All rights reserved.
"""The epochs fitted to a pretraining budget (``QS_MINUTES``) from a fake step time: the
counts worked out by hand, and the budget kept for every step time."""
import pytest

from mmswav.utils.time_budget import SAFETY, fit_epochs


@pytest.mark.parametrize('iter_s,epochs,images', [
    (0.2, 20, None),  # 1800 s * 0.9 - 60 s = 1560 s of training; 390 * 0.2 = 78 s/epoch
    (2.0, 2, None),  # a slow host: 780 s/epoch
    (10.0, 1, 156 * 128),  # not one epoch (3900 s): the first 1560 / 10 = 156 batches
])
def test_epochs_by_hand(iter_s, epochs, images):
    plan = fit_epochs(30, iter_s, 390, startup_s=60, batch_size=128)
    assert (plan.epochs, plan.images) == (epochs, images)
    assert plan.reason.startswith(f'{epochs} epoch')
    assert f'{iter_s:.3f} s/iteration x 390 iterations' in plan.reason


def test_the_budget_is_kept_for_any_step_time():
    for ms in range(20, 20000, 37):
        iter_s = ms / 1000
        plan = fit_epochs(15, iter_s, 390, startup_s=45, batch_size=128)
        iters = plan.epochs * 390 if plan.images is None else plan.images // 128
        minutes = (45 + iters * iter_s) / 60
        assert minutes == pytest.approx(plan.minutes)
        assert minutes <= 15 * (1 - SAFETY) or iters == 1, (iter_s, plan)
        # one more epoch (or batch) would not have fitted
        more = (plan.epochs + 1) * 390 if plan.images is None else iters + 1
        assert (45 + more * iter_s) / 60 > 15 * (1 - SAFETY), (iter_s, plan)


def test_the_upper_bound_and_bad_input():
    assert fit_epochs(600, 0.01, 390, 10, 128, max_epochs=50).epochs == 50
    with pytest.raises(ValueError, match='must be positive'):
        fit_epochs(30, 0.0, 390, 10, 128)
