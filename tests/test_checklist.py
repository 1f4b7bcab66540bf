"""The checklist chapter's rules: the XOR verdict per budget (on the share of seeds that solve XOR), the
capacity claim judged at every learning rate with its runs split into modes, the vanishing-gradient
measurement, and when a scaling run counts as converged."""
from types import SimpleNamespace

import numpy as np
import pytest

from nnfail import claims
from nnfail.chapters.checklist import experiments as checklist


def budgets(loss_relu, loss_sigmoid, acc_relu, acc_sigmoid):
    arr = lambda v: np.asarray(v, float)[None]  # noqa: E731  one budget
    return checklist.Budgets([100], dict(relu=arr(loss_relu), sigmoid=arr(loss_sigmoid)),
                             dict(relu=arr(acc_relu), sigmoid=arr(acc_sigmoid)))


near_ln2 = [0.69] * 100  # the losses are the same in every case: they do not decide the verdict


@pytest.mark.parametrize("res,want", [
    (budgets(near_ln2, near_ln2, [1.0] * 100, [0.5] * 100), claims.REPRODUCES),
    (budgets(near_ln2, near_ln2, [1.0] * 65 + [0.75] * 35, [0.5] * 100), claims.PARTLY),  # solves, not mostly
    (budgets(near_ln2[:5], near_ln2[:5], [1.0] * 5, [0.5] * 5), claims.UNDECIDED),  # too few seeds
    (budgets(near_ln2, near_ln2, [0.75] * 100, [1.0] * 100), claims.DOES_NOT),
    (budgets(near_ln2, near_ln2, [0.75] * 100, [0.5] * 100), claims.DOES_NOT),  # higher accuracy, never solved
])
def test_xor_verdict_per_budget_is_judged_on_the_share_of_seeds_that_solve_it(res, want):
    row = checklist.xor_compare(res)[0]
    assert row["verdict"] == want
    assert row["solved_a"] == float(np.mean(res.accuracy["relu"][0] == 1))


def cap_with(single_test, big_tests, big_spread=None):
    """A capacity result: the same single unit at every learning rate, the bigger model's fresh MSE per rate."""
    n, lrs = len(single_test), checklist.CAP_LRS
    assert len(big_tests) == len(lrs)
    member = np.repeat(np.arange(len(lrs)), n)
    single = np.tile(np.asarray(single_test, float), len(lrs))
    big = np.concatenate([np.asarray(single_test, float) * f for f in big_tests])
    spread = np.ones(len(member)) if big_spread is None else np.asarray(big_spread, float)
    return {"ols_train": np.ones(n), "y_var": np.full(n, 35.0), "lrs": lrs, "member": member,
            "single unit": dict(train=single, test=single, spread=np.ones(len(member))),
            "relu 64": dict(train=big, test=big, spread=spread)}


def other_evidence(n=20):
    xor = budgets(near_ln2, near_ln2, [1.0] * 100, [0.5] * 100)
    grads = {a: {d: np.full(n, 0.25 if d == 1 else 0.25 / 4 ** d) for d in (1, *checklist.DEPTHS)}
             for a in ("sigmoid", "relu")}
    sc = dict(cap=1000, converged=dict(standardized=np.full(n, 300.0), raw=np.full(n, np.inf)))
    return xor, grads, sc


@pytest.mark.parametrize("factors,want", [
    ((0.3, 0.3, 0.3, 0.3), claims.REPRODUCES),
    ((1.0, 1.0, 1.0, 1.0), claims.DOES_NOT),  # a tie on the noise is no gain
    ((30.0, 1.0, 0.3, 1.0), claims.DEPENDS),  # the verdict flips with the learning rate
])
def test_the_capacity_claim_is_judged_at_every_learning_rate(factors, want):
    single = np.linspace(0.95, 1.05, 20)
    v = {x.claim.id: x for x in checklist.judge_claims(cap_with(single, factors), *other_evidence())}
    assert v["capacity"].outcome == want
    assert len(v["capacity"].points) == len(checklist.CAP_LRS)
    assert v["xor"].outcome == claims.REPRODUCES and v["scaling"].outcome == claims.REPRODUCES
    assert v["vanishing"].outcome == claims.REPRODUCES


def test_capacity_modes_split_collapsed_runs_from_trained_ones():
    single = np.ones(20)
    spread = np.ones(20 * len(checklist.CAP_LRS))
    spread[:15] = 0.01  # 15 of the 20 runs at the first rate predict a constant
    cap = cap_with(single, (30.0, 1.0, 1.0, 1.0), spread)
    cap["relu 64"]["test"][15:20] = 5.0
    m = checklist.capacity_modes(cap, "relu 64", 0)
    assert (m["n_collapsed"], m["n"]) == (15, 20) and m["collapsed"] == pytest.approx(0.75)
    assert m["test_collapsed"] == pytest.approx(30.0) and m["test_trained"] == pytest.approx(5.0)
    assert checklist.capacity_modes(cap, "relu 64", 1)["n_collapsed"] == 0
    rows, facts = checklist.capacity_summary(cap)
    assert facts["cap_big_posted__n_collapsed"] == 15 and facts["cap_big_best__lr"] != checklist.CAP_LRS[0]


@pytest.mark.parametrize("ratio", [1.02, 3.0])
def test_capacity_summary_reports_the_gap_to_the_least_squares_line(ratio):
    cap = cap_with(np.ones(4), (2.0, 2.0, 2.0, 2.0))
    cap["single unit"]["train"] = cap["single unit"]["train"] * ratio
    rows, facts = checklist.capacity_summary(cap)
    assert facts["cap_big_name"] == "relu 64"
    assert facts["cap_single_gap"] == pytest.approx(ratio)
    assert np.isnan(rows[0]["test_m"]) and rows[1]["train_m"] == pytest.approx(ratio)


def test_a_run_converges_where_its_loss_stays_below_the_threshold():
    epochs = np.array([100, 200, 300, 400])
    runs = [[5, 5, 0.5, 0.5],  # from 300 on
            [5, 0.5, 5, 5],  # dips below, then rises: not converged
            [0.5, 0.5, 0.5, np.nan],  # diverged at the end: not converged
            [5, 0.5, 0.5, 0.5]]  # from 200 on
    got = checklist.converged_at(np.array(runs, float).T, epochs, 1.0)
    assert list(got) == [300, np.inf, np.inf, 200]


def test_deeper_sigmoid_stacks_pass_a_smaller_share_of_the_gradient_to_their_first_layer():
    P = SimpleNamespace(n_seeds=20, units=2)
    g = checklist.xor_gradients(P, np.random.default_rng(0), depths=(2, 4))
    med = [np.nanmedian(g["sigmoid"][d]) for d in (1, 2, 4)]
    assert med[0] > med[1] > med[2] > 0


# ------------------------------------------------------------------ what the page glues and pastes
def judged(factors=(0.3, 0.3, 0.3, 0.3)):
    return checklist.judge_claims(cap_with(np.linspace(0.95, 1.05, 20), factors), *other_evidence())


def test_the_main_flow_shows_the_declared_claims_whatever_their_outcome():
    ids = [c.id for c in checklist.CLAIMS]
    assert set(checklist.KEY_CLAIMS) <= set(ids) and len(checklist.KEY_CLAIMS) <= 12
    for factors in ((0.3, 0.3, 0.3, 0.3), (1.0, 1.0, 1.0, 1.0)):  # capacity reproduces, then does not
        shown = checklist.key_claims(judged(factors))
        assert [v.claim.id for v in shown] == list(checklist.KEY_CLAIMS)


def test_the_claims_glue_holds_every_verdict_the_tally_and_both_tables():
    glued, objects = {}, {}
    verdicts = judged()
    checklist.glue_claims(verdicts, cap_with(np.linspace(0.95, 1.05, 20), (0.3,) * 4),
                          glued.__setitem__, objects.__setitem__)
    assert {f"verdict__{c.id}" for c in checklist.CLAIMS} <= set(glued)
    assert glued["claims_shown"] == len(checklist.KEY_CLAIMS) and glued["n_claims"] == len(checklist.CLAIMS)
    assert glued["claims_tally"] == claims.tally_text(verdicts)
    key = objects["claims_key_table"].data
    assert key.count("<tr>") == 1 + len(checklist.KEY_CLAIMS) and key.count("<th>") == len(checklist.KEY_COLUMNS)
    assert "<th>our evidence</th><th>verdict</th>" in key  # what the browser test looks for
    assert objects["claims_all_table"].data.count("<tr>") == 1 + len(checklist.CLAIMS)
    assert glued["cap_best__same"] == "not inside"  # the bigger model at 0.3x the error is outside the band


def test_the_doctor_demo_names_the_high_findings_in_words():
    from nnfail.doctor import Report, Result

    raw = Report([Result("input_scale", "high", "big"), Result("loss_curve", "medium", "flat"),
                  Result("output_bias", "high", "far")])
    std = Report([Result("input_scale", "ok", "fine")])
    glued, objects = {}, {}
    checklist.glue_doctor_demo(raw, std, glued.__setitem__, objects.__setitem__)
    assert glued["demo_raw_high"] == 2 and glued["demo_std_high"] == 0 and glued["demo_std_checks"] == "none"
    assert glued["demo_raw_named"] == "; ".join(r.title for r in raw.findings if r.status == "high")
    assert objects == {"demo_report_raw": raw, "demo_report_std": std}
