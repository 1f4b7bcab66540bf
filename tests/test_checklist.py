"""The checklist chapter's rules: the XOR verdict per budget and the capacity example's verdict."""
import numpy as np
import pytest

from nnfail import stats
from nnfail.cases import checklist


def budgets(loss_relu, loss_sigmoid, acc_relu, acc_sigmoid):
    arr = lambda v: np.asarray(v, float)[None]  # noqa: E731  one budget
    return checklist.Budgets([100], dict(relu=arr(loss_relu), sigmoid=arr(loss_sigmoid)),
                             dict(relu=arr(acc_relu), sigmoid=arr(acc_sigmoid)))


@pytest.mark.parametrize("res,want", [
    (budgets([0.1] * 20, [0.6] * 20, [1.0] * 20, [0.5] * 20), stats.REPRODUCES),
    (budgets([0.5, 0.6, 0.55], [0.6, 0.5, 0.65], [0.75] * 3, [0.5] * 3), stats.PARTLY),
    (budgets([0.6] * 20, [0.1] * 20, [0.5] * 20, [1.0] * 20), stats.DOES_NOT),
])
def test_xor_verdict_per_budget(res, want):
    row = checklist.xor_compare(res)[0]
    assert row["verdict"] == want
    assert row["solved_a"] == float(np.mean(res.accuracy["relu"][0] == 1))


@pytest.mark.parametrize("ratio,want", [(1.02, stats.DOES_NOT), (3.0, stats.PARTLY)])
def test_capacity_verdict_from_the_gap_to_the_least_squares_line(ratio, want):
    ols = np.array([1.0, 1.1, 0.9, 1.2])
    cap = {"ols_train": ols, "single unit": dict(train=ols * ratio, test=ols * ratio),
           "relu 64": dict(train=ols, test=ols * 2)}
    rows, facts = checklist.capacity_summary(cap)
    assert facts["cap_verdict"] == want and facts["cap_big_name"] == "relu 64"
    assert facts["cap_single_gap"] == pytest.approx(ratio)
    assert np.isnan(rows[0]["test_m"]) and rows[1]["train_m"] == pytest.approx(np.median(ols * ratio))
