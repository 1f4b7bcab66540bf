"""Statistics for many-seed comparisons: medians with spread, failure rates with intervals, two tests.

The tests and intervals are scipy.stats's (Fisher's exact test, Mann-Whitney U with the exact
distribution where the samples are small and untied, the binomial Wilson interval, the percentile
bootstrap); the functions here shape their results for the chapters and drop NaN values (diverged
members) from metrics; failure rates count those as failures by the caller's criterion.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True)
class Summary:
    median: float
    q1: float
    q3: float
    n: int  # finite values summarized


def standardize(a, like=None) -> np.ndarray:
    """(a - mean) / std per column, with the mean and std of ``like`` (default: ``a`` itself)."""
    ref = a if like is None else like
    return (a - ref.mean(axis=0)) / ref.std(axis=0)


def r2(pred, truth) -> np.ndarray:
    """R^2 of each row of ``pred`` against ``truth``: 1 - residual sum of squares / total sum of squares
    (rows of NaN stay NaN)."""
    ss_res = np.sum((pred - truth) ** 2, axis=-1)
    ss_tot = np.sum((truth - truth.mean()) ** 2)
    return 1.0 - ss_res / ss_tot


def r2_from_mse(mse, y) -> np.ndarray:
    """R^2 from a mean squared error on targets ``y`` (the same quantity as :func:`r2`, from a loss)."""
    return 1 - mse / np.var(y)


def line_r2(x, y) -> float:
    """R^2 of the least-squares straight line y ~ a x + c: how much of y's variance a line explains
    (1 = y is a line). NaN when y is constant or not finite."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not (np.all(np.isfinite(y)) and np.ptp(y) > 0):
        return math.nan
    a, c = np.polyfit(x, y, 1)
    return float(r2(a * x + c, y))


def median_iqr(values) -> Summary:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return Summary(math.nan, math.nan, math.nan, 0)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return Summary(float(med), float(q1), float(q3), int(v.size))


def bootstrap_median_ci(values, rng: np.random.Generator, level: float = 0.95, n_boot: int = 2000):
    """Percentile bootstrap confidence interval of the median (finite values only), scipy's
    ``bootstrap`` drawing its ``n_boot`` resamples from ``rng``."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan, math.nan)
    if v.size == 1:  # scipy needs two observations; every resample of one value is that value
        rng.integers(0, 1, size=(n_boot, 1))  # the same draws as any other sample, so later draws do not shift
        return (float(v[0]), float(v[0]))
    res = sps.bootstrap((v,), np.median, n_resamples=n_boot, confidence_level=level, method="percentile",
                        vectorized=True, rng=rng)
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


def wilson(failures: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion failures/n (scipy's binomial test)."""
    if n <= 0:
        return (math.nan, math.nan)
    ci = sps.binomtest(failures, n).proportion_ci(confidence_level=level, method="wilson")
    p = failures / n
    # at 0 and n failures the bound is exactly 0 (or 1); rounding must not put it on the wrong side
    low = 0.0 if failures == 0 else max(0.0, min(p, float(ci.low)))
    high = 1.0 if failures == n else min(1.0, max(p, float(ci.high)))
    return (low, high)


@dataclass(frozen=True)
class Rate:
    failures: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.failures / self.n if self.n else math.nan


def failure_rate(failed) -> Rate:
    f = np.asarray(failed, bool)
    lo, hi = wilson(int(f.sum()), int(f.size))
    return Rate(int(f.sum()), int(f.size), lo, hi)


def fisher_exact(fail_a: int, n_a: int, fail_b: int, n_b: int) -> float:
    """Two-sided p-value of Fisher's exact test for the 2x2 table of failures in two groups."""
    return float(sps.fisher_exact([[fail_a, n_a - fail_a], [fail_b, n_b - fail_b]]).pvalue)


def mann_whitney(a, b) -> tuple[float, float]:
    """Mann-Whitney U of a vs b and its two-sided p-value (NaNs dropped): scipy's exact distribution when
    a sample is small and there are no ties, the normal approximation with tie and continuity corrections
    otherwise (``method="auto"``)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return (math.nan, math.nan)
    if np.ptp(np.concatenate([a, b])) == 0:  # all values equal: no evidence of a difference
        return (float(a.size * b.size / 2), 1.0)
    res = sps.mannwhitneyu(a, b, alternative="two-sided", method="auto")
    return (float(res.statistic), float(res.pvalue))


def cliffs_delta(a, b) -> float:
    """Effect size in [-1, 1]: P(a > b) - P(a < b) over all pairs (NaNs dropped)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return math.nan
    diff = a[:, None] - b[None, :]
    return float((np.sign(diff)).mean())


def risk_difference(a: Rate, b: Rate) -> float:
    """Effect size of two failure rates: rate(a) - rate(b)."""
    return a.rate - b.rate


def compare_rates(groups: Mapping[str, Sequence[bool]], baseline: str) -> list[dict]:
    """One tidy row per group: failure count, rate, Wilson interval, Fisher p and risk difference
    against the baseline group."""
    base = failure_rate(groups[baseline])
    rows = []
    for name, failed in groups.items():
        r = failure_rate(failed)
        rows.append({
            "group": name, "failures": r.failures, "n": r.n, "rate": r.rate, "low": r.low, "high": r.high,
            "p_vs_baseline": math.nan if name == baseline else fisher_exact(r.failures, r.n, base.failures, base.n),
            "difference": risk_difference(r, base),
        })
    return rows


def summarize_metric(groups: Mapping[str, Sequence[float]], rng: np.random.Generator,
                     baseline: str | None = None) -> list[dict]:
    """One tidy row per group: median, IQR, bootstrap CI of the median, and (with a baseline)
    the Mann-Whitney p-value and Cliff's delta against it."""
    rows = []
    for name, values in groups.items():
        s = median_iqr(values)
        lo, hi = bootstrap_median_ci(values, rng)
        v = np.asarray(values, float)
        row = {"group": name, "median": s.median, "q1": s.q1, "q3": s.q3, "ci_low": lo, "ci_high": hi,
               "n": int(v.size), "non_finite": int((~np.isfinite(v)).sum())}
        if baseline is not None:
            if name == baseline:
                row.update(p_vs_baseline=math.nan, cliffs_delta=0.0)
            else:
                row.update(p_vs_baseline=mann_whitney(values, groups[baseline])[1],
                           cliffs_delta=cliffs_delta(values, groups[baseline]))
        rows.append(row)
    return rows
