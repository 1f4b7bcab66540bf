"""The claims engine: every rule with cases that reproduce, partly reproduce, do not, and are undecided."""
import math

import numpy as np
import pytest

from nnfail import claims

N = claims.MIN_SEEDS * 3  # comfortably enough seeds


def rate_sample(failures, n=N):
    return np.arange(n) < failures


def claim(rule, against=None):
    return claims.Claim("x", "post", "a quote", "what it says", "cfg", rule, against)


# ------------------------------------------------------------------------------------------- Rate
@pytest.mark.parametrize("failures, against, outcome", [
    (N, None, claims.REPRODUCES),  # all fail
    (N, rate_sample(0), claims.REPRODUCES),  # all fail, and the contrast never does
    (int(N * 0.7), None, claims.PARTLY),  # clearly most, but below MOSTLY
    (N, rate_sample(N), claims.PARTLY),  # all fail, but so does the contrast: the contrast is not the cause
    (2, None, claims.DOES_NOT),
    (N // 2, None, claims.UNDECIDED),
])
def test_rate_fails(failures, against, outcome):
    assert claim(claims.RateRule("fails")).judge(rate_sample(failures), against).outcome == outcome


@pytest.mark.parametrize("failures, outcome", [(0, claims.REPRODUCES), (int(N * 0.3), claims.PARTLY), (N, claims.DOES_NOT),
                                               (N // 2 + 1, claims.UNDECIDED)])
def test_rate_works(failures, outcome):
    assert claim(claims.RateRule("works")).judge(rate_sample(failures)).outcome == outcome


def test_rate_with_too_few_seeds_is_undecided_whatever_the_rate():
    v = claim(claims.RateRule("fails")).judge(rate_sample(5, 5))
    assert v.outcome == claims.UNDECIDED and v.seeds_needed == claims.MIN_SEEDS and "only 5 seeds" in v.evidence


def test_undecided_rate_says_how_many_seeds_would_decide_and_that_many_do():
    v = claim(claims.RateRule("fails")).judge(rate_sample(36, 60))  # 60%, interval straddles 1/2
    assert v.outcome == claims.UNDECIDED and v.seeds_needed > 60
    m = v.seeds_needed
    assert claim(claims.RateRule("fails")).judge(rate_sample(round(0.6 * m), m)).outcome != claims.UNDECIDED
    assert claim(claims.RateRule("fails")).judge(rate_sample(N // 2)).seeds_needed is None  # exactly 1/2: never


def test_rate_rejects_unknown_kind():
    with pytest.raises(ValueError, match="fails' or 'works"):
        claims.RateRule("sometimes")


# ------------------------------------------------------------------------------------------- Typical
def spread(center, n=N, width=0.02, seed=0):
    return center * np.exp(np.random.default_rng(seed).normal(0, width, n))


@pytest.mark.parametrize("center, width, outcome", [
    (1000, 0.02, claims.REPRODUCES),  # within CLOSE
    (1600, 0.02, claims.PARTLY),  # beyond CLOSE, within LOOSE
    (5000, 0.02, claims.DOES_NOT),  # far beyond LOOSE
    (2000, 0.6, claims.UNDECIDED),  # straddles the LOOSE edge
])
def test_typical(center, width, outcome):
    assert claim(claims.Typical(1000)).judge(spread(center, width=width)).outcome == outcome


def test_typical_below_min_seeds_is_undecided_even_with_a_bounded_interval():
    """Six seeds bound a median at 95%, but a typical figure is one of the rules MIN_SEEDS is documented for."""
    few = claims.MIN_SEEDS - 1
    assert claims.median_interval(np.full(few, 1000.0))[1] == 1000.0  # the interval itself is bounded
    v = claim(claims.Typical(1000)).judge(np.full(few, 1000.0))
    assert v.outcome == claims.UNDECIDED and v.seeds_needed == claims.MIN_SEEDS and f"only {few} seeds" in v.evidence
    assert f"at least {claims.MIN_SEEDS} seeds" in v.decides and v.best == claims.REPRODUCES
    assert claim(claims.Typical(1000)).judge(np.full(claims.MIN_SEEDS, 1000.0)).outcome == claims.REPRODUCES
    assert claim(claims.Typical(1000)).judge(np.full(5, 1000.0)).low == -math.inf


def test_typical_counts_capped_runs_as_larger_than_any():
    values = np.r_[np.full(N // 2 + 2, 10_000.0), np.full(N // 2 - 2, 1000.0)]  # most runs hit the cap
    v = claim(claims.Typical(1000, censor=10_000)).judge(values)
    assert math.isinf(v.high) and v.outcome in (claims.DOES_NOT, claims.UNDECIDED) and "reached the cap" in v.evidence
    assert claim(claims.Typical(1000)).judge(np.full(N, 1000.0)).outcome == claims.REPRODUCES


def test_median_interval_matches_order_statistics():
    med, lo, hi = claims.median_interval(np.arange(1, 21))  # n = 20: ranks 6 and 15 give >= 95% coverage
    assert (med, lo, hi) == (10.5, 6.0, 15.0)
    assert claims.median_interval(np.arange(5))[1] == -math.inf  # 5 values cannot give a 95% interval


# ------------------------------------------------------------------------------------------- Single
@pytest.mark.parametrize("reported, outcome", [(1000, claims.REPRODUCES), (1095, claims.PARTLY), (5000, claims.DOES_NOT)])
def test_single(reported, outcome):
    v = np.linspace(900, 1100, N)
    assert claim(claims.Single(reported)).judge(v).outcome == outcome


def test_single_with_too_few_seeds_is_undecided():
    assert claim(claims.Single(1000)).judge(np.linspace(900, 1100, 5)).outcome == claims.UNDECIDED


# ------------------------------------------------------------------------------------------- Bound
@pytest.mark.parametrize("center, outcome", [(500, claims.REPRODUCES), (2000, claims.DOES_NOT), (1000, claims.UNDECIDED)])
def test_bound_below(center, outcome):
    assert claim(claims.Bound(1000)).judge(spread(center, width=0.2)).outcome == outcome


def test_bound_is_one_sided_so_five_seeds_all_below_decide():
    assert claim(claims.Bound(1.0)).judge(np.zeros(5)).outcome == claims.REPRODUCES  # P(all 5 below | median above) < 5%
    v = claim(claims.Bound(1.0)).judge(np.zeros(4))
    assert v.outcome == claims.UNDECIDED and v.seeds_needed == 5  # 1/16 > 5%


def test_bound_above_and_exact():
    assert claim(claims.Bound(1000, side="above")).judge(spread(2000)).outcome == claims.REPRODUCES
    assert claim(claims.Bound(1e-4, exact=True)).judge([3e-7]).outcome == claims.REPRODUCES
    assert claim(claims.Bound(1e-4, exact=True)).judge([3e-3]).outcome == claims.DOES_NOT


# ------------------------------------------------------------------------------------------- Compare
@pytest.mark.parametrize("x, y, outcome", [
    (100, 1000, claims.REPRODUCES),  # ten times lower
    (1000, 1250, claims.PARTLY),  # lower, but perhaps by less than the smallest effect that counts
    (1000, 1100, claims.DOES_NOT),  # lower by less than that: equivalent
    (1000, 100, claims.DOES_NOT),  # higher
    (1000, 1000, claims.DOES_NOT),  # equivalent: no difference that matters
])
def test_compare_lower(x, y, outcome):
    v = claim(claims.Compare(), "y").judge(spread(x, width=0.05, seed=1), spread(y, width=0.05, seed=2))
    assert v.outcome == outcome and v.p == v.p


def test_compare_undecided_on_noisy_small_effect():
    v = claim(claims.Compare(), "y").judge(spread(1000, width=1.0, seed=1), spread(1300, width=1.0, seed=2))
    assert v.outcome == claims.UNDECIDED and v.seeds_needed > N


def test_compare_needs_a_contrast():
    with pytest.raises(ValueError, match="compares against"):
        claim(claims.Compare()).judge(spread(1))


# ------------------------------------------------------------------------------------------- Same
@pytest.mark.parametrize("x, y, width, outcome", [
    (1000, 1010, 0.02, claims.REPRODUCES),
    (100, 1000, 0.02, claims.DOES_NOT),
    (1000, 1200, 0.8, claims.UNDECIDED),
])
def test_same(x, y, width, outcome):
    v = claim(claims.Same(), "y").judge(spread(x, width=width, seed=1), spread(y, width=width, seed=2))
    assert v.outcome == outcome


def test_a_non_significant_difference_is_not_sameness():
    """Five seeds each, wildly spread: no test would reject, and still the verdict is not 'the same'."""
    a, b = spread(1000, n=5, width=1.5, seed=3), spread(1000, n=5, width=1.5, seed=4)
    assert claim(claims.Same(), "y").judge(a, b).outcome == claims.UNDECIDED


def test_same_is_deterministic_and_independent_of_other_draws():
    a, b = spread(1000, width=0.3, seed=5), spread(1100, width=0.3, seed=6)
    np.random.default_rng().random(10)
    assert claim(claims.Same(), "y").judge(a, b) == claim(claims.Same(), "y").judge(a, b)


# ------------------------------------------------------------------------------------------- SameRuns
def bimodal(n_collapsed, n=20, low=12_000.0, high=300_000.0):
    return np.r_[np.full(n_collapsed, high), np.full(n - n_collapsed, low)] * np.linspace(0.99, 1.01, n)


@pytest.mark.parametrize("sample, outcome", [
    (spread(80_000, n=20, width=0.02), claims.REPRODUCES),  # every run is the reference's
    (np.r_[spread(80_000, n=15, width=0.02), np.full(5, 300_000.0)], claims.PARTLY),  # 75% the same
    (bimodal(8), claims.DOES_NOT),  # collapsed runs worse, the rest far better: none the same
    (np.r_[spread(80_000, n=11, width=0.02), np.full(9, 300_000.0)], claims.UNDECIDED),  # 55%: cannot tell
    (bimodal(2, n=5), claims.UNDECIDED),  # too few seeds
])
def test_same_runs_judges_each_run_against_the_reference(sample, outcome):
    v = claim(claims.SameRuns(), "y").judge(sample, spread(80_000, n=6, width=0.02))
    assert v.outcome == outcome, v.evidence


def test_same_runs_counts_runs_below_and_above_the_band():
    v = claim(claims.SameRuns(), "y").judge(bimodal(8), np.full(6, 80_000.0))
    assert "0 of 20 runs" in v.evidence and "12 below, 8 above" in v.evidence
    # the median-ratio rule cannot decide the same data: its interval spans both modes
    assert claim(claims.Same(), "y").judge(bimodal(10), np.full(6, 80_000.0)).outcome == claims.UNDECIDED


# ------------------------------------------------------------------------------------------- Check
def test_check():
    assert claim(claims.Check()).judge(True, evidence="computed").outcome == claims.REPRODUCES
    assert claim(claims.Check()).judge([True, False]).outcome == claims.DOES_NOT


# ------------------------------------------------------------------------------------------- tables
def test_table_glue_and_rules_text():
    vs = [claim(claims.RateRule("fails")).judge(rate_sample(N)), claim(claims.Same(), "y").judge(spread(1), spread(1.0))]
    glued = {}
    claims.glue_verdicts(vs, lambda k, v: glued.__setitem__(k, v))
    assert glued["n_claims"] == 2 and glued["verdict__x"] in claims.OUTCOMES
    text = claims.table(vs).data
    assert "a quote" in text and "**reproduces**" in text
    rules = claims.rules_text(vs).data
    assert f"{claims.MIN_SEEDS} seeds" in rules and f"{claims.MOSTLY:.0%}" in rules and "[0.8, 1.25]" in rules
    assert claims.count(vs)["n_undecided"] == 0


def test_checks_are_tallied_apart_from_claims_judged_on_runs():
    """A computed fact that holds (here a tautology) is not a reproduction."""
    rate = claim(claims.RateRule("fails")).judge(rate_sample(2))  # does not reproduce
    check = claims.Claim("t", "answer", "y/max|y| is y", "dividing by 1 changes nothing", "cfg",
                         claims.Check()).judge(True, evidence="max |y| = 1")
    assert check.is_check and not rate.is_check
    c = claims.count([rate, check])
    assert c["n_total"] == 2 and c["n_claims"] == 1 and c["n_reproduced"] == 0 and c["n_not_reproduced"] == 1
    assert c["n_checks"] == 1 and c["n_checks_hold"] == 1 and c["n_checks_fail"] == 0
    outcomes = ("n_reproduced", "n_partly", "n_not_reproduced", "n_undecided", "n_depends")
    assert sum(c[k] for k in outcomes) == c["n_claims"]  # the prose's "of n claims, a reproduce, ..." adds up
    text = claims.table([rate, check]).data
    assert "**holds** (a computed check)" in text and text.count("**reproduces**") == 0
    glued = {}
    claims.glue_verdicts([rate, check], lambda k, v: glued.__setitem__(k, v))
    assert glued["n_reproduced"] == 0 and glued["n_checks_hold"] == 1
    assert glued["claims_tally"] == ("of 1 claim judged on runs, 0 reproduce, 0 partly, 1 do not and 0 undecided; "
                                     "1 computed check (not counted as reproductions): 1 holds, 0 do not")


# ------------------------------------------------------------------------------------------- what decides
def test_undecided_says_how_many_seeds_would_decide_it():
    v = claim(claims.RateRule("fails")).judge(rate_sample(36, 60))
    assert v.outcome == claims.UNDECIDED and f"about {v.seeds_needed:,} seeds would decide it" in v.decides
    assert v.best == claims.PARTLY and "could at best partly reproduce" in v.decides  # 60% is below MOSTLY
    assert v.decides in claims.table([v]).data


def test_undecided_says_when_the_estimate_can_at_best_partly_reproduce_or_not_at_all():
    works_45 = claim(claims.RateRule("works")).judge(rate_sample(33, 60))  # 45% work: more seeds lean to "not"
    assert works_45.outcome == claims.UNDECIDED and works_45.best == claims.DOES_NOT
    assert "could at best not reproduce" in works_45.decides
    works_90 = claim(claims.RateRule("works")).judge(rate_sample(1, 10))  # too few seeds, but could reproduce
    assert works_90.outcome == claims.UNDECIDED and works_90.best == claims.REPRODUCES and "at best" not in works_90.decides


def test_undecided_by_runs_stopped_at_a_cap_asks_for_a_longer_budget_not_more_seeds():
    values = np.r_[np.full(N // 2 + 2, 10_000.0), spread(1000, n=N // 2 - 2)]  # most runs hit the cap
    v = claim(claims.Typical(1500, censor=10_000)).judge(values)
    assert v.outcome == claims.UNDECIDED and math.isinf(v.high)
    assert "longer budget" in v.decides and f"{N // 2 + 2} of {N} runs reached the cap" in v.decides
    assert v.seeds_needed is None
    b = claim(claims.Bound(2000, censor=10_000)).judge(values)
    assert b.outcome == claims.UNDECIDED and "longer budget" in b.decides


def test_undecided_on_a_boundary_says_more_seeds_would_not_decide_it():
    v = claim(claims.RateRule("fails")).judge(rate_sample(N // 2))
    assert v.seeds_needed is None and "would not decide it" in v.decides


def test_a_comparison_needs_min_seeds_on_both_sides():
    x, y = spread(100, n=N), spread(1000, n=claims.MIN_SEEDS - 1)
    v = claim(claims.Compare(), "y").judge(x, y)
    assert v.outcome == claims.UNDECIDED and "compared with" in v.evidence
    assert v.best == claims.REPRODUCES and f"at least {claims.MIN_SEEDS} seeds" in v.decides
    assert claim(claims.Compare(), "y").judge(x, spread(1000, n=claims.MIN_SEEDS)).outcome == claims.REPRODUCES
    assert claim(claims.Same(), "y").judge(x, spread(100, n=5)).outcome == claims.UNDECIDED


# ------------------------------------------------------------------------------------------- open choices
LR = claims.Open("initial learning rate", (0.01, 0.1, 0.3), "a large initial learning rate", who="answer")


def open_claim(*opens, rule=claims.RateRule("works")):
    return claims.Claim("lr", "answer", "a large initial learning rate with some decay", "the decaying schedule fits",
                        "scaled X, decaying rate", rule, open=opens)


def failures_at(claim_, failures: dict, n=N):
    """Evidence of one engine call: n members per point, point after point, and each point's failure count."""
    member_point = np.repeat(np.arange(len(claim_.points())), n)
    failed = np.concatenate([rate_sample(failures[p], n) for p in claim_.points()])
    return claims.by_point(claim_, failed, member_point)


def test_an_open_claim_that_flips_inside_its_range_depends_on_the_setting_with_its_boundary():
    c = open_claim(LR)
    v = c.judge(failures_at(c, {(0.01,): N, (0.1,): 0, (0.3,): 1}))
    assert v.outcome == claims.DEPENDS and v.label == "depends on initial learning rate"
    assert [pv.outcome for _, pv in v.points] == [claims.DOES_NOT, claims.REPRODUCES, claims.REPRODUCES]
    (b,) = v.boundary
    assert (b.setting, b.below, b.above) == ("initial learning rate", "0.01", "0.1")
    assert (b.outcome_below, b.outcome_above) == (claims.DOES_NOT, claims.REPRODUCES)
    assert v.n == 3 * N
    text = claims.table([v]).data
    assert "tried at 0.01, 0.1, 0.3" in text and "“a large initial learning rate”" in text
    assert "does not reproduce at 0.01; reproduces at 0.1, 0.3; it changes between 0.01 and 0.1" in text
    glued = {}
    claims.glue_verdicts([v], lambda k, x: glued.__setitem__(k, x))
    assert glued["verdict__lr"] == v.label and glued["verdict__lr__at0"] == claims.DOES_NOT
    assert glued["verdict__lr__at1__n"] == N and "0.01" in glued["verdict__lr__boundary"] and glued["n_depends"] == 1
    assert "depends on" in claims.rules_text([v]).data


def test_an_open_claim_that_holds_across_its_range_gets_one_verdict():
    c = open_claim(LR)
    v = c.judge(failures_at(c, {(0.01,): 0, (0.1,): 1, (0.3,): 0}))
    assert v.outcome == claims.REPRODUCES and not v.boundary and len(v.points) == 3
    assert all(pv.outcome == claims.REPRODUCES for _, pv in v.points)
    assert "at every point tried (3)" in claims.table([v]).data


def test_undecided_points_are_skipped_when_placing_the_boundary():
    c = open_claim(claims.Open("initial learning rate", (0.01, 0.03, 0.1), "large"))
    v = c.judge(failures_at(c, {(0.01,): N, (0.03,): N // 2, (0.1,): 0}))
    assert v.outcome == claims.DEPENDS and [(b.below, b.above) for b in v.boundary] == [("0.01", "0.1")]


def test_an_open_claim_decided_at_some_points_and_undecided_at_others_is_undecided_and_says_where():
    c = open_claim(LR)
    v = c.judge(failures_at(c, {(0.01,): 0, (0.1,): N // 2 - 3, (0.3,): 0}))
    assert v.outcome == claims.UNDECIDED and v.best == claims.REPRODUCES
    assert v.decides.startswith("at initial learning rate 0.1, about") and v.seeds_needed > N


def test_a_grid_of_two_open_settings_names_the_setting_that_moves_the_verdict():
    widths = claims.Open("hidden layers", ([15, 15, 15], [20, 20, 20, 20]), "a few layers of 15-20 neurons")
    c = open_claim(widths, claims.Open("outer epochs", (20, 200), "train for more epochs"))
    assert c.points()[1] == ((15, 15, 15), 200) and c.grid()[1] == {"hidden layers": (15, 15, 15), "outer epochs": 200}
    fail = {p: (N if p[1] == 20 else 0) for p in c.points()}  # only the epochs matter
    v = c.judge(failures_at(c, fail))
    assert v.outcome == claims.DEPENDS and v.setting == "outer epochs"
    assert {(b.below, b.above, b.at) for b in v.boundary} == {("20", "200", "hidden layers [15, 15, 15]"),
                                                              ("20", "200", "hidden layers [20, 20, 20, 20]")}
    text = claims.table([v]).data
    assert "does not reproduce at hidden layers \\[15, 15, 15\\], outer epochs 20" in text  # brackets escaped
    assert "it changes with outer epochs between 20 and 200 at hidden layers \\[15, 15, 15\\]" in text


def test_open_evidence_is_keyed_by_point_and_must_cover_the_range():
    c = open_claim(LR)
    ok = {0.01: rate_sample(0), (0.1,): rate_sample(0), 0.3: (rate_sample(0), None, "words")}  # value or tuple
    assert c.judge(ok).outcome == claims.REPRODUCES
    with pytest.raises(ValueError, match="no evidence at initial learning rate 0.3"):
        c.judge({0.01: rate_sample(0), 0.1: rate_sample(0)})
    with pytest.raises(ValueError, match="not a point of its range"):
        c.judge({**ok, 0.5: rate_sample(0)})
    with pytest.raises(ValueError, match="map each point"):
        c.judge(rate_sample(0))
    with pytest.raises(ValueError, match="members"):
        claims.by_point(c, rate_sample(0, 2 * N), np.repeat([0, 1], N))  # no members at the third point


def test_an_open_setting_needs_values_and_the_sources_words():
    with pytest.raises(ValueError, match="source's words"):
        claims.Open("initial learning rate", (0.1, 0.3), " ")
    with pytest.raises(ValueError, match="repeat"):
        claims.Open("initial learning rate", (0.1, 0.1), "large")
    with pytest.raises(ValueError, match="no values"):
        claims.Open("initial learning rate", (), "large")


# ------------------------------------------------------------------------------------------- one loop
def test_judge_all_judges_every_claim_from_one_mapping_and_drops_none():
    rate = claims.Claim("rate", "post", "it fails", "it fails", "cfg", claims.RateRule("fails"))
    cmp_ = claims.Claim("cmp", "answer", "faster", "x is faster", "x", claims.Compare(), against="y")
    fact = claims.Claim("fact", "answer", "dy/dw = x", "the derivative", "formula", claims.Check())
    late = claims.Claim("late", "comment", "at iteration 32,000", "a late figure", "cfg", claims.Single(1.0))
    opened = open_claim(LR)
    cs = [rate, cmp_, fact, late, opened]
    evidence = {"rate": rate_sample(N), "cmp": (spread(100), spread(1000)), "fact": claims.Evidence(True, text="computed"),
                "late": claims.Unavailable("our runs stop earlier", "runs of 32,000 iterations"),
                "lr": failures_at(opened, {(0.01,): N, (0.1,): 0, (0.3,): 0})}
    vs = claims.judge_all(cs, evidence)
    assert [v.claim.id for v in vs] == ["rate", "cmp", "fact", "late", "lr"]
    assert [v.outcome for v in vs] == [claims.REPRODUCES, claims.REPRODUCES, claims.REPRODUCES, claims.UNDECIDED,
                                       claims.DEPENDS]
    assert vs[2].evidence == "computed" and vs[3].decides == "runs of 32,000 iterations"
    assert vs[0] == rate.judge(rate_sample(N))  # the same verdict as the claim's own judge
    with pytest.raises(ValueError, match=r"no evidence for \['late'\]"):
        claims.judge_all(cs, {k: x for k, x in evidence.items() if k != "late"})
    with pytest.raises(ValueError, match="evidence for no claim"):
        claims.judge_all(cs, {**evidence, "typo": rate_sample(N)})
    with pytest.raises(ValueError, match="repeat"):
        claims.judge_all([rate, rate], evidence)


def test_by_point_splits_one_engine_call_and_each_point_needs_the_rules_seeds():
    """Members of every point trained side by side (engine.member_configs, here with fewer seeds at one point):
    the point short of MIN_SEEDS is undecided and the claim says so there."""
    from nnfail import engine as E

    c = open_claim(LR)
    counts = [N, claims.MIN_SEEDS - 1, N]
    member_point = E.member_configs(len(c.points()), counts)
    failed = np.zeros(member_point.size, bool)  # every member works
    v = c.judge(claims.by_point(c, failed, member_point, text=lambda g: f"start {g['initial learning rate']:g}"))
    assert [pv.n for _, pv in v.points] == counts
    assert [pv.outcome for _, pv in v.points] == [claims.REPRODUCES, claims.UNDECIDED, claims.REPRODUCES]
    assert v.outcome == claims.UNDECIDED and f"at initial learning rate 0.1, at least {claims.MIN_SEEDS} seeds" in v.decides
    assert v.points[0][1].evidence.startswith("start 0.01; ")


def test_a_comparison_of_two_unknown_medians_asks_for_a_longer_budget_not_more_seeds():
    """More than half the runs of both configurations at the cap: no median is known, the ratio is undefined;
    the verdict is undecided and says a longer budget (not seeds) would decide. One side known: judged."""
    cap = 1000.0
    capped = np.r_[np.full(15, cap), np.arange(100.0, 110.0)]  # 15 of 25 at the cap
    v = claim(claims.Compare(censor=cap)).judge(capped, capped[::-1])
    assert v.outcome == claims.UNDECIDED and math.isnan(v.value)
    assert "longer budget" in v.decides and "neither median is known" in v.evidence
    fast, slow = np.arange(100.0, 125.0), np.r_[np.full(22, cap), np.arange(500.0, 503.0)]
    assert claim(claims.Compare(censor=cap)).judge(fast, slow).outcome == claims.REPRODUCES
    diverged = np.r_[np.full(15, np.nan), np.arange(1.0, 11.0)]
    s = claim(claims.Same()).judge(diverged, diverged)
    assert s.outcome == claims.UNDECIDED and "diverged" in s.decides and s.best == claims.UNDECIDED


def test_a_check_that_changes_with_an_open_setting_is_shown_and_counted_as_depending_on_it():
    """A computed fact that holds at one value of an open setting and not at another: the table says
    "depends on <setting>" (not "does not hold"), the tally counts it neither as holding nor as failing."""
    setting = claims.Open("width", (1, 2), "a few units")
    c = claims.Claim("fact", "post", "a quote", "a fact", "cfg", claims.Check(), open=setting)
    v = c.judge({1: True, 2: False})
    assert v.outcome == claims.DEPENDS and v.is_check
    assert claims.outcome_text(v).startswith("**depends on width**")
    n = claims.count([v])
    assert (n["n_checks"], n["n_checks_hold"], n["n_checks_fail"]) == (1, 0, 0)
    assert "1 depends on a setting" in claims.tally_text([v])
