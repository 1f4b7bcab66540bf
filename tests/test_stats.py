"""nnfail.stats against scipy and hand-computed values."""
import math

import numpy as np
import pytest
from scipy import stats as sps

from nnfail import stats


@pytest.mark.parametrize("table", [(3, 20, 15, 20), (0, 32, 32, 32), (5, 10, 5, 10), (1, 7, 6, 9), (12, 64, 30, 64)])
def test_fisher_matches_scipy(table):
    fa, na, fb, nb = table
    want = sps.fisher_exact([[fa, na - fa], [fb, nb - fb]]).pvalue
    assert stats.fisher_exact(fa, na, fb, nb) == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("k,n", [(0, 10), (3, 32), (16, 32), (32, 32), (7, 1000)])
def test_wilson_matches_statsmodels_formula(k, n):
    # scipy's binomtest offers the Wilson interval (without continuity correction)
    ci = sps.binomtest(k, n).proportion_ci(0.95, method="wilson")
    lo, hi = stats.wilson(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-9) and hi == pytest.approx(ci.high, abs=1e-9)


def test_wilson_hand_value():
    # p = 0.5, n = 4, z = 1.959964: centre 0.5, half = z*sqrt(1/16 + z^2/64)/(1 + z^2/4)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 4 + z * z / 64) / (1 + z * z / 4)
    assert stats.wilson(2, 4) == pytest.approx((0.5 - half, 0.5 + half))


@pytest.mark.parametrize("seed", range(4))
def test_mann_whitney_matches_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    a = np.round(rng.normal(0, 1, 25), 1)
    b = np.round(rng.normal(0.5, 1, 31), 1)
    res = sps.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=True)
    u, p = stats.mann_whitney(a, b)
    assert u == pytest.approx(res.statistic) and p == pytest.approx(res.pvalue, rel=1e-9)


def test_mann_whitney_is_exact_on_small_untied_samples():
    # 5 vs 5, every a below every b: exactly 2 of the C(10, 5) = 252 orderings are this extreme
    u, p = stats.mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert u == 0 and p == pytest.approx(2 / 252, rel=1e-12)
    # the normal approximation would say about 0.012 here: the exact test is what small samples need
    assert stats.mann_whitney([1, 1, 2], [1, 1, 2]) == (4.5, 1.0)
    assert stats.mann_whitney([3, 3], [3, 3, 3])[1] == 1.0


def test_bootstrap_draws_its_resamples_from_the_given_generator():
    v = np.arange(12.0)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    assert stats.bootstrap_median_ci(v, a) == stats.bootstrap_median_ci(v, b)
    assert a.random() == b.random()  # both consumed the same draws
    one = np.random.default_rng(5)
    assert stats.bootstrap_median_ci([4.0], one) == (4.0, 4.0)
    ref = np.random.default_rng(5)
    ref.integers(0, 1, size=(2000, 1))
    assert one.random() == ref.random()  # a single value consumes the draws any sample would


def test_mann_whitney_drops_nan():
    u, p = stats.mann_whitney([1, 2, np.nan, 3], [4, 5, 6])
    assert u == 0 and p < 0.2


def test_cliffs_delta_extremes_and_symmetry():
    assert stats.cliffs_delta([5, 6], [1, 2]) == 1.0
    assert stats.cliffs_delta([1, 2], [5, 6]) == -1.0
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=20), rng.normal(size=15)
    assert stats.cliffs_delta(a, b) == pytest.approx(-stats.cliffs_delta(b, a))
    # relation to U: delta = 2U/(n1 n2) - 1
    u, _ = stats.mann_whitney(a, b)
    assert stats.cliffs_delta(a, b) == pytest.approx(2 * u / (20 * 15) - 1)


def test_median_iqr_ignores_nan_and_matches_numpy():
    v = [1, 2, 3, 4, 100, np.nan]
    s = stats.median_iqr(v)
    assert (s.median, s.n) == (3.0, 5)
    assert (s.q1, s.q3) == (2.0, 4.0)


def test_bootstrap_ci_covers_median_and_is_deterministic():
    rng = np.random.default_rng(1)
    v = rng.exponential(size=200)
    ci1 = stats.bootstrap_median_ci(v, np.random.default_rng(5))
    ci2 = stats.bootstrap_median_ci(v, np.random.default_rng(5))
    assert ci1 == ci2 and ci1[0] < np.median(v) < ci1[1]
    # the population median of Exp(1) is ln 2; a 95% interval from 200 draws should be narrow-ish
    assert ci1[1] - ci1[0] < 0.4


def test_compare_rates_tidy_rows():
    rows = stats.compare_rates({"base": [True] * 30 + [False] * 2, "fix": [False] * 31 + [True]}, baseline="base")
    base, fix = rows
    assert base["failures"] == 30 and math.isnan(base["p_vs_baseline"])
    assert fix["rate"] == pytest.approx(1 / 32) and fix["p_vs_baseline"] < 1e-10
    assert fix["difference"] == pytest.approx(1 / 32 - 30 / 32)
    assert fix["low"] < fix["rate"] < fix["high"]


def test_summarize_metric_rows():
    rng = np.random.default_rng(0)
    rows = stats.summarize_metric({"a": [1.0, 2, 3, np.nan], "b": [10.0, 11, 12, 13]}, rng, baseline="a")
    assert rows[0]["non_finite"] == 1 and rows[0]["median"] == 2
    assert rows[1]["cliffs_delta"] == 1.0


@pytest.mark.parametrize("n", [1, 3, 7, 60, 1000, 4096])
def test_wilson_bounds_bracket_the_rate_exactly_at_the_edges(n):
    assert stats.wilson(0, n)[0] == 0.0 and stats.wilson(n, n)[1] == 1.0
    for k in (0, 1, n // 2, n - 1, n):
        lo, hi = stats.wilson(k, n)
        assert lo <= k / n <= hi


def test_line_r2_hand_values():
    x = np.linspace(-1, 1, 101)
    assert stats.line_r2(x, 3 * x + 2) == pytest.approx(1.0)
    assert stats.line_r2(x, x ** 2) == pytest.approx(0.0, abs=1e-12)  # symmetric: the best line is flat
    # x on [0, 1]: a line explains 15/16 of x^2's variance
    u = np.linspace(0, 1, 200001)
    assert stats.line_r2(u, u ** 2) == pytest.approx(15 / 16, rel=1e-4)
    assert math.isnan(stats.line_r2(x, np.ones_like(x))) and math.isnan(stats.line_r2(x, np.full_like(x, np.nan)))


def test_standardize_is_sklearn_scale_and_uses_the_reference_moments():
    from sklearn.preprocessing import scale

    X = np.array([[7.0, 4.7], [6.3, 6.0], [6.9, 4.9], [6.4, 5.3]])
    np.testing.assert_allclose(stats.standardize(X), scale(X))
    np.testing.assert_allclose(stats.standardize(X[:2], like=X), scale(X)[:2])


def test_r2_forms_agree():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=50)
    pred = truth + rng.normal(scale=0.3, size=50)
    r2 = float(stats.r2(pred, truth))
    assert r2 == pytest.approx(1 - np.mean((pred - truth) ** 2) / np.var(truth))
    assert float(stats.r2_from_mse(np.mean((pred - truth) ** 2), truth)) == pytest.approx(r2)
    x = np.linspace(0, 1, 50)
    assert stats.line_r2(x, 3 * x + 1) == pytest.approx(1.0)
    assert stats.line_r2(x, (x - 0.5) ** 2) == pytest.approx(0.0, abs=1e-12)
