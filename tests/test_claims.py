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


def test_typical_with_five_seeds_has_no_interval_so_is_undecided():
    v = claim(claims.Typical(1000)).judge(np.full(5, 1000.0))
    assert v.outcome == claims.UNDECIDED and v.low == -math.inf and v.seeds_needed == 6
    assert claim(claims.Typical(1000)).judge(np.full(6, 1000.0)).outcome == claims.REPRODUCES


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
