"""The checklist chapter's rules: the XOR verdict per budget and the capacity example's verdict."""
import numpy as np
import pytest

from nnfail import claims
from nnfail.chapters.checklist import experiments as checklist


def budgets(loss_relu, loss_sigmoid, acc_relu, acc_sigmoid):
    arr = lambda v: np.asarray(v, float)[None]  # noqa: E731  one budget
    return checklist.Budgets([100], dict(relu=arr(loss_relu), sigmoid=arr(loss_sigmoid)),
                             dict(relu=arr(acc_relu), sigmoid=arr(acc_sigmoid)))


@pytest.mark.parametrize("res,want", [
    (budgets([0.1] * 20, [0.6] * 20, [1.0] * 20, [0.5] * 20), claims.REPRODUCES),
    (budgets(np.linspace(0.4, 0.6, 20), np.linspace(0.5, 0.75, 20), [0.75] * 20, [0.5] * 20), claims.PARTLY),
    (budgets([0.5, 0.6, 0.55], [0.6, 0.5, 0.65], [0.75] * 3, [0.5] * 3), claims.UNDECIDED),
    (budgets([0.6] * 20, [0.1] * 20, [0.5] * 20, [1.0] * 20), claims.DOES_NOT),
])
def test_xor_verdict_per_budget(res, want):
    row = checklist.xor_compare(res)[0]
    assert row["verdict"] == want
    assert row["solved_a"] == float(np.mean(res.accuracy["relu"][0] == 1))


def cap_with(single_test, big_test):
    ols = np.ones(20)
    return {"ols_train": ols, "single unit": dict(train=ols, test=np.asarray(single_test, float)),
            "relu 64": dict(train=ols, test=np.asarray(big_test, float))}


@pytest.mark.parametrize("big,want", [(0.3, claims.REPRODUCES), (1.0, claims.DOES_NOT), (2.0, claims.DOES_NOT)])
def test_the_capacity_claim_can_reproduce_when_a_bigger_model_does_better_on_fresh_data(big, want):
    single = np.linspace(0.95, 1.05, 20)
    xor = budgets([0.1] * 20, [0.6] * 20, [1.0] * 20, [0.5] * 20)
    sc = dict(raw=np.ones((3, 20)), standardized=np.full((3, 20), 0.01))
    v = {x.claim.id: x.outcome for x in checklist.judge_claims(cap_with(single, single * big), xor, sc)}
    assert v == dict(capacity=want, xor=claims.REPRODUCES, scaling=claims.REPRODUCES)


@pytest.mark.parametrize("ratio", [1.02, 3.0])
def test_capacity_summary_reports_the_gap_to_the_least_squares_line(ratio):
    ols = np.array([1.0, 1.1, 0.9, 1.2])
    cap = {"ols_train": ols, "single unit": dict(train=ols * ratio, test=ols * ratio),
           "relu 64": dict(train=ols, test=ols * 2)}
    rows, facts = checklist.capacity_summary(cap)
    assert facts["cap_big_name"] == "relu 64"
    assert facts["cap_single_gap"] == pytest.approx(ratio)
    assert np.isnan(rows[0]["test_m"]) and rows[1]["train_m"] == pytest.approx(np.median(ols * ratio))
